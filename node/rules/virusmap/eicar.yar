/*
 * EICAR anti-malware test file. The standard: the file starts with the exact 68-byte string and
 * may be followed by whitespace (space, tab, CR, LF, Ctrl-Z) up to a total of 128 bytes.
 */
rule EICAR_Test_File : test
{
    meta:
        description = "EICAR standard anti-malware test file (68-byte string at offset 0, optional trailing whitespace, at most 128 bytes)"
        author = "VirusMap"
        date = "2026-11-23"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"

    strings:
        $eicar = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

    condition:
        $eicar at 0 and filesize <= 128 and
        (filesize == 68 or
         for all i in (68 .. filesize - 1) : (
            uint8(i) == 0x20 or uint8(i) == 0x09 or uint8(i) == 0x0a or uint8(i) == 0x0d or uint8(i) == 0x1a))
}
