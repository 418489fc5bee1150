import "pe"

/* Generic, low-confidence rules: they flag, they do not convict. */

rule PE_UPX_Packed : suspicious
{
    meta:
        description = "PE packed with UPX (UPX0/UPX1 section names); packing hides code from static rules"
        author = "VirusMap"
        date = "2026-11-23"
        category = "suspicious"

    condition:
        uint16(0) == 0x5A4D and
        for any s in pe.sections : (s.name == "UPX0" or s.name == "UPX1" or s.name == "UPX2")
}

rule PowerShell_Download_Execute_Cradle : suspicious
{
    meta:
        description = "Script that fetches a payload over HTTP with PowerShell and executes it (download cradle)"
        author = "VirusMap"
        date = "2026-11-23"
        category = "suspicious"

    strings:
        $ps1 = "powershell" nocase ascii wide
        $ps2 = "pwsh" nocase ascii wide
        $dl1 = "Net.WebClient" nocase ascii wide
        $dl2 = "DownloadFile(" nocase ascii wide
        $dl3 = "DownloadString(" nocase ascii wide
        $dl4 = "DownloadData(" nocase ascii wide
        $dl5 = "Invoke-WebRequest" nocase ascii wide
        $dl6 = "Start-BitsTransfer" nocase ascii wide
        $dl7 = /\biwr\s+(-Uri\s+)?['"]?https?:\/\//i ascii wide
        $ex1 = "Invoke-Expression" nocase ascii wide
        $ex2 = /\biex\s*[\(\$]/i ascii wide
        $ex3 = "Start-Process" nocase ascii wide
        $ex4 = "Invoke-Item" nocase ascii wide
        $ex5 = /\.exe['"]?\s*;?\s*&\s*\$?/i ascii wide

    condition:
        filesize < 2MB and any of ($ps*) and any of ($dl*) and any of ($ex*)
}
