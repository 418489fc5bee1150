import "hash"

/*
 * ClamAV's harmless test files (Debian package clamav-testfiles, /usr/share/clamav-testfiles).
 * They are one tiny PE, clam.exe (it calls CLAMessageBoxA and carries the "[CLAMAV]" marker), in
 * many wrappings: packers, archives, mail and office containers, encodings. YARA sees raw bytes
 * only, so the rules below look for the plain PE, its base64 form, the "ClamAV test file" notes
 * the packed variants carry, and tiny archives holding a member called clam.exe. Wrappings that
 * compress the member name away too (bzip2, gzip, 7z, SZDD, RTF hex, BinHex, the installers) are
 * recognised by their SHA-256 in ClamAV_TestFile_Known, as ClamAV's own test database does.
 */

rule ClamAV_TestFile_PE
{
    meta:
        description = "ClamAV test PE clam.exe, plain or stored uncompressed inside a container"
        author = "VirusMap"
        date = "2026-11-23"

    strings:
        $import = "CLAMessageBoxA" ascii
        $marker = "[CLAMAV]" ascii
        $entry = { BB 71 10 40 00 33 C0 50 50 8B F3 53 53 50 B0 29 }

    condition:
        2 of them
}

rule ClamAV_TestFile_Base64
{
    meta:
        description = "ClamAV test PE clam.exe encoded as base64 (MIME mail, data: URL)"
        author = "VirusMap"
        date = "2026-11-23"

    strings:
        $import = "CLAMessageBoxA" base64
        $marker = "S0VSTkVMMzIuRExMAABFeGl0UHJvY2VzcwBVU0VSMzIuRExMAENMQU1lc3NhZ2VCb3hB" ascii

    condition:
        any of them
}

rule ClamAV_TestFile_Hex
{
    meta:
        description = "ClamAV test PE clam.exe as hex text (RTF \\objdata and similar)"
        author = "VirusMap"
        date = "2026-11-23"

    strings:
        $import = "434c414d657373616765426f7841" nocase ascii
        $marker = "5b434c414d41565d" nocase ascii

    condition:
        all of them
}

rule ClamAV_TestFile_Note
{
    meta:
        description = "ClamAV test file: packed or embedded clam.exe carrying the test-file note"
        author = "VirusMap"
        date = "2026-11-23"

    strings:
        $note1 = "This is a ClamAV test file with" ascii wide nocase
        $note2 = { 54 68 69 73 20 ?? 61 20 43 6C 61 6D 41 56 20 74 65 73 74 20 66 69 6C 65 } // UPX keeps the note, minus one back-reference
        $note3 = "embedded ClamAV Test File" ascii wide nocase

    condition:
        any of them
}

rule ClamAV_TestFile_Archive
{
    meta:
        description = "Tiny archive (ZIP, ARJ, CAB, uuencode) whose only payload is a member named clam.exe"
        author = "VirusMap"
        date = "2026-11-23"

    strings:
        $name = "clam.exe" ascii
        $uu = "begin 644 clam.exe" ascii

    condition:
        filesize < 4KB and $name and
        (uint32(0) == 0x04034B50 or uint16(0) == 0xEA60 or uint32(0) == 0x4643534D or $uu)
}

rule ClamAV_TestFile_Known
{
    meta:
        description = "ClamAV test files whose wrapping (packer, compression, installer) hides clam.exe from byte patterns; identified by SHA-256 (clamav-testfiles 1.4.6)"
        author = "VirusMap"
        date = "2026-11-23"

    condition:
        filesize < 2MB and (
            hash.sha256(0, filesize) == "fa2901d4e97497165ce275bd8a9e94fe5266ea7a0795d96e0e439da0c7645c36" // clam-aspack.exe
        or  hash.sha256(0, filesize) == "bfe7eeb1939e8bc16f90cb5d921437056e0e456a00a8ea3b31bd9754f6c89885" // clam-mew.exe
        or  hash.sha256(0, filesize) == "652847877739943f99273c1388c56c375cb6715b01c7135f7bab882a0be3f888" // clam-nsis.exe
        or  hash.sha256(0, filesize) == "1dba66766f99bbd55c28113775a54a9cc22d93735494be96237a4081be89e82b" // clam-pespin.exe
        or  hash.sha256(0, filesize) == "f4091b710d78322370e849381cddedc878bbe580563d993f4195b2bcb1ffc5b8" // clam-petite.exe
        or  hash.sha256(0, filesize) == "80a03f1b06996e084f54e6218019e1f0e2c3e789c72a9264145c8e0602c84702" // clam-upack.exe
        or  hash.sha256(0, filesize) == "4ebe56972199136a749eca73eb221272cabf725436d6b939b8c1182383c562a9" // clam-yc.exe
        or  hash.sha256(0, filesize) == "eb9075912c0ecd1ddc840922f87795061466314f403f20ea8bb9daf5d533c242" // clam.7z
        or  hash.sha256(0, filesize) == "f22f10a9fa67f984589d85db753b83e1e3dd6780aa9f425d0fa27fd545d9bd7e" // clam.chm
        or  hash.sha256(0, filesize) == "981564018dff1f07a4ce0afe4388a2804b5db94cfd22a9dd4d6047761041effc" // clam.ea05.exe
        or  hash.sha256(0, filesize) == "04e2ca3b7f3f55736bd3cd56c7c6b9e4423fa9574870d3ae316552c118e32fe3" // clam.ea06.exe
        or  hash.sha256(0, filesize) == "1cf8e74b9f77c8a1cabf325670a9a01075713de50a2e0c5be9ff361d25f5f7f1" // clam.exe.binhex
        or  hash.sha256(0, filesize) == "0376edde0203be9370ffcf52a15e0b19ad8ebc342f67c3c1743241d0ba230fd1" // clam.exe.bz2
        or  hash.sha256(0, filesize) == "29a6a08fa2effe9ab4ee9fd7d7e72f13f621ad7d41fd980843e5005130c0fa8e" // clam.exe.szdd
        or  hash.sha256(0, filesize) == "a8c0f51ad78f502417e8b9efaf0d2e067ac832d941500552f2aebc8e8f381f58" // clam.impl.zip
        or  hash.sha256(0, filesize) == "2e75399c9f6fa7741db9ccf506de2895b3a78a3d574fa776c65f533b717555b5" // clam.sis
        or  hash.sha256(0, filesize) == "0b49d1c561e19c4de9ff019a73d1bfc444d862609645125fa78020e864c48f2d" // clam.tar.gz
        or  hash.sha256(0, filesize) == "124d5f640891430e4f7fa9bbb95c46601f132d6cfb070924c85f81e221acbe9b" // clam_IScab_int.exe
        or  hash.sha256(0, filesize) == "d33908f09dfee2c0299618beb0b5b24fd40db0a8285f46841cbd2b42b179b58b" // clam_ISmsi_ext.exe
        or  hash.sha256(0, filesize) == "f7531f276c9ce9558676a435d926c1234226215e4392c57143b589c470f7235f" // clam_ISmsi_int.exe
        or  hash.sha256(0, filesize) == "f2b5fd5eaf1c4526ac39559964dc360d28de673599b8676f8718307cbb38ef89" // clam_cache_emax.tgz
        )
}
