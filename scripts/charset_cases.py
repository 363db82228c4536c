"""The hand-written vectors of ``generate_charset_vectors.py``: escape sequences, resets,
invalid bytes, and the deliberate deviations from pydicom (with the expected text)."""

from __future__ import annotations

ESC = b"\x1b"

JIS_RET = ESC + b"(B"
JIS_ROMAN = ESC + b"(J"


def jis(text: str) -> bytes:
    """``text`` in JIS X 0208 between ESC $ B and ESC ( B."""
    return text.encode("iso2022_jp")


def euc_kr_g1(text: str) -> bytes:
    return ESC + b"$)C" + text.encode("euc_kr")


def gb2312_g1(text: str) -> bytes:
    return ESC + b"$)A" + text.encode("gb2312")


# (charset, vr, value, expected or None for "pydicom's", note)
Hand = tuple[bytes, str, bytes, str | None, str]


def hand_cases() -> list[Hand]:
    cases: list[Hand] = []
    add = cases.append

    # Default repertoire: Latin-1 for everything, no value or ISO_IR 6.
    add((b"", "LO", bytes(range(0x20, 0x100)), None, "no value: Latin-1, all bytes"))
    add((b"ISO_IR 6", "PN", b"M\xfcller^J\x80\x9f\xa0", None, "ISO_IR 6 high bytes: Latin-1"))
    add((b"\\ISO 2022 IR 87", "SH", b"\xe9t\xe9", None, "empty first term: Latin-1"))
    add((b"ISO_IR 192", "CS", b"\xc3\xa9", None, "CS ignores the character set: Latin-1"))
    add((b"ISO_IR 144", "DA", b"2020\xe9", None, "DA ignores the character set"))
    add((b"ISO_IR 192", "AE", b"AE\x1b$B", None, "AE keeps ESC literally"))
    # Single-byte sets (PS3.5 Annex examples are in the files; these add more letters).
    add((b"ISO_IR 100", "PN", b"Buc^J\xe9r\xf4me\xff\xa4", None, "IR 100 is true Latin-1"))
    add((b"ISO_IR 100", "LT", b"\x80\x85\x9f", None, "IR 100 C1 controls (not cp1252)"))
    add((b"ISO_IR 101", "PN", "Dvořák^Antonín".encode("iso8859_2"), None, "IR 101 Czech"))
    add((b"ISO_IR 109", "PN", "Ġużeppi^Ħabib".encode("iso8859_3"), None, "IR 109 Maltese"))
    add((b"ISO_IR 109", "LO", b"\xa5\xae\xbe", None, "IR 109 unassigned bytes"))
    add((b"ISO_IR 110", "PN", "Ķēniņš^Jānis".encode("iso8859_4"), None, "IR 110 Latvian"))
    add((b"ISO_IR 144", "PN", "Чайковский^Пётр".encode("iso8859_5"), None, "IR 144 Russian"))
    add((b"ISO_IR 127", "PN", "قباني^نزار".encode("iso8859_6"), None, "IR 127 Arabic"))
    add((b"ISO_IR 127", "LO", b"\xa1\xff", None, "IR 127 unassigned bytes"))
    add((b"ISO_IR 126", "PN", "Διονυσιος^Ευρώ".encode("iso8859_7"), None, "IR 126 Greek"))
    add((b"ISO_IR 126", "LO", b"\xa4\xa5\xaa\xae\xd2\xff", None, "IR 126 2003 additions/holes"))
    add((b"ISO_IR 138", "PN", "שרון^דבורה".encode("iso8859_8"), None, "IR 138 Hebrew"))
    add((b"ISO_IR 148", "PN", "Şükrü^Gündoğdu".encode("iso8859_9"), None, "IR 148 Turkish"))
    add((b"ISO_IR 148", "LO", b"\x80\x8a\x9f\xd0\xdd\xde\xf0\xfd\xfe", None, "IR 148 not cp1254"))
    add((b"ISO_IR 166", "PN", "สมชาย^ใจดี".encode("tis_620"), None, "IR 166 Thai"))
    add((b"ISO_IR 166", "LO", b"\x80\x85\x91\xa0\xdb\xfc", None, "IR 166 not cp874"))
    add((b"ISO_IR 13", "PN", b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3", None, "IR 13 katakana (H.3.2)"))
    add((b"ISO_IR 13", "LO", b"a\\b~c\xa1\xdf\x80\xa0\xfd", None, "IR 13: \\ and ~ stay ASCII"))
    add((b"ISO_IR 13", "LO", b"\x8eR\x81\\\x81\x60x", None, "IR 13 Shift_JIS pairs as pydicom"))
    add((b"ISO_IR 13", "LO", b"\x81\xb1\x81", None, "IR 13 bad pair: lead byte only"))
    # Stand-alone multi-byte sets (Annex J examples).
    x1 = "Wang^XiaoDong=王^小東=".encode()
    add((b"ISO_IR 192", "PN", x1, None, "J.1 UTF-8"))
    add((b"ISO_IR 192", "LT", "Ünïcödé 😀 ≠ ∞\r\n".encode(), None, "UTF-8 4-byte"))
    for bad in (b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"a\xe6\x97b", b"\xff\xfe"):
        add((b"ISO_IR 192", "LO", bad, None, f"UTF-8 invalid {bad!r}"))
    add((b"ISO_IR 192\\ISO 2022 IR 87", "LO", "山".encode(), None, "stand-alone ignores rest"))
    add((b"GB18030", "PN", "Wang^XiaoDong=王^小东=".encode("gb18030"), None, "J.2 GB18030"))
    j3 = "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n"
    add((b"GB18030", "LT", j3.encode("gb18030"), None, "J.3 GB18030 long text"))
    add((b"GB18030", "LO", "€ 𠀀 é".encode("gb18030"), None, "GB18030 € and 4-byte"))
    for four in (b"\x810\x810", b"\x841\xa49", b"\x900\x810", b"\xe32\x9a5", b"\x815\xf4\x36"):
        add((b"GB18030", "LO", four, None, f"GB18030 4-byte {four!r}"))
    add((b"GB18030", "LO", b"a\xff\x81b\x81", None, "GB18030 invalid bytes"))
    add((b"GB18030", "LO", "瑩\\甄".encode("gb18030"), None, "GB18030: 0x5C trail stays"))
    add((b"GBK", "PN", "Wang^XiaoDong=王^小东=".encode("gbk"), None, "GBK"))
    add((b"GBK", "LO", "丂丄乗癩".encode("gbk"), None, "GBK beyond GB 2312"))
    # ISO 2022 code extensions: Annex H (Japanese).
    h31 = b"Yamada^Tarou=" + jis("山田") + b"^" + jis("太郎") + b"=" + jis("やまだ")
    h31 += b"^" + jis("たろう")
    add((b"\\ISO 2022 IR 87", "PN", h31, None, "H.3.1 IR 6 + IR 87"))
    h32 = b"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=" + jis("山田")[:-3] + JIS_ROMAN + b"^"
    h32 += jis("太郎")[:-3] + JIS_ROMAN + b"=" + jis("やまだ")[:-3] + JIS_ROMAN + b"^"
    h32 += jis("たろう")[:-3] + JIS_ROMAN
    add((b"ISO 2022 IR 13\\ISO 2022 IR 87", "PN", h32, None, "H.3.2 IR 13 + IR 87"))
    add(
        (
            b"ISO 2022 IR 6\\ISO 2022 IR 87",
            "LT",
            jis("東京") + b"\r\n" + jis("大阪"),
            None,
            "IR 87 lines",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            ESC + b'$B!A!B!]!q!r"L' + JIS_RET,
            None,
            "IR 87 JIS0208.TXT mappings",
        )
    )
    ir159 = ESC + b"$(D" + "丂丄乚".encode("iso2022_jp_2")[4:-3] + JIS_RET
    add((b"\\ISO 2022 IR 87\\ISO 2022 IR 159", "PN", b"Ab^" + ir159, None, "IR 159 JIS X 0212"))
    add((b"\\ISO 2022 IR 159", "LO", ESC + b'$(D"7' + JIS_RET, None, "IR 159 0x2237 tilde"))
    add(
        (
            b"ISO 2022 IR 13\\ISO 2022 IR 87",
            "LO",
            b"\xb1" + ESC + b")I\xb2",
            None,
            "ESC ) I designates IR 13",
        )
    )
    # Annex I (Korean).
    i2 = b"Hong^Gildong=" + euc_kr_g1("洪") + b"^" + euc_kr_g1("吉洞") + b"=" + euc_kr_g1("홍")
    i2 += b"^" + euc_kr_g1("길동")
    add((b"\\ISO 2022 IR 149", "PN", i2, None, "I.2 IR 6 + IR 149"))
    add(
        (
            b"\\ISO 2022 IR 149",
            "LT",
            euc_kr_g1("첫번째 줄") + b"\r\n" + euc_kr_g1("둘째"),
            None,
            "IR 149 lines",
        )
    )
    add((b"ISO 2022 IR 149", "PN", "김희중".encode("euc_kr"), None, "IR 149 first, no ESC"))
    # Code extensions of every single-byte set.
    for ir, final, codec, text in (
        (100, b"A", "latin_1", "Jérôme"),
        (101, b"B", "iso8859_2", "Dvořák"),
        (109, b"C", "iso8859_3", "Ġużeppi"),
        (110, b"D", "iso8859_4", "Ķēniņš"),
        (126, b"F", "iso8859_7", "Διονυσιος"),
        (127, b"G", "iso8859_6", "قباني"),
        (138, b"H", "iso8859_8", "שרון"),
        (144, b"L", "iso8859_5", "Люкceмбypг"),
        (148, b"M", "iso8859_9", "Şükrü"),
        (166, b"T", "tis_620", "สมชาย"),
    ):
        cs = f"ISO 2022 IR 6\\ISO 2022 IR {ir}".encode()
        value = b"abc " + ESC + b"-" + final + text.encode(codec) + b" xyz"
        add((cs, "LO", value, None, f"ESC - {final.decode()} designates IR {ir}"))
    add(
        (
            b"ISO 2022 IR 100\\ISO 2022 IR 144",
            "LT",
            "Zürich ".encode("latin_1")
            + ESC
            + b"-L"
            + "Москва".encode("iso8859_5")
            + "\r\nZürich".encode("latin_1"),
            None,
            "IR 144 reset to IR 100 at CR LF",
        )
    )
    add(
        (
            b"ISO 2022 IR 126\\ISO 2022 IR 100",
            "LT",
            ESC + b"-A" + "é\té".encode("latin_1"),
            None,
            "reset at TAB",
        )
    )
    add(
        (
            b"ISO 2022 IR 6\\ISO 2022 IR 100",
            "LO",
            b"a" + ESC + b"%Gb\xe9",
            None,
            "unknown escape sequence kept literally",
        )
    )
    add((b"ISO 2022 IR 6\\ISO 2022 IR 100", "LO", b"a\xe9" + ESC, None, "ESC at the end"))
    # Term spellings.
    for spelling in (b"ISO IR 100", b"ISO-IR 100", b"ISO_IR_100", b" ISO_IR 100 \x00"):
        add((spelling, "PN", b"Buc^J\xe9r\xf4me", None, f"term spelled {spelling!r}"))
    add((b"ISO_2022_IR_144", "PN", "Люкceмбypг".encode("iso8859_5"), None, "ISO_2022_IR_144"))
    add((b"ISO_IR 999", "PN", b"Buc^J\xe9r\xf4me", None, "unknown term: default"))
    add(
        (
            b"ISO_IR 144\\ISO_IR 999",
            "PN",
            "Люк".encode("iso8859_5"),
            None,
            "unknown second term ignored",
        )
    )
    add((b"utf-8", "LO", "Grüße".encode(), None, "Python codec name utf-8"))
    return cases


def deviation_cases() -> list[Hand]:
    """Vectors where rs_dicom deliberately differs from pydicom (expected is rs_dicom's)."""
    cases: list[Hand] = []
    add = cases.append
    # IR 58: Python's gb2312 codec does not know the escape sequence, so pydicom keeps it.
    k1 = b"Zhang^XiaoDong=" + gb2312_g1("张") + b"^" + gb2312_g1("小东") + b"="
    add(
        (
            b"\\ISO 2022 IR 58",
            "PN",
            k1,
            "Zhang^XiaoDong=张^小东=",
            "K.1 IR 58: pydicom leaves ESC $ ) A in the text",
        )
    )
    k2 = b"1." + gb2312_g1("第一行文字。") + b"\r\n2." + gb2312_g1("第二行文字。") + b"\r\n"
    add(
        (
            b"\\ISO 2022 IR 58",
            "LT",
            k2,
            "1.第一行文字。\r\n2.第二行文字。\r\n",
            "K.2 IR 58 long text: pydicom leaves ESC $ ) A in the text",
        )
    )
    add((b"ISO 2022 IR 58", "LO", "中文".encode("gb2312"), None, "IR 58 first term, no ESC"))
    add(
        (
            b"\\ISO 2022 IR 58",
            "LO",
            ESC + b"$)A\xa1\xa4\xa1\xaa",
            "\u30fb\u2015",
            "IR 58 A1A4/A1AA use GB2312.TXT (pydicom leaves the ESC)",
        )
    )
    # IR 203 is unknown to pydicom (it decodes Latin-1).
    add(
        (
            b"ISO_IR 203",
            "LO",
            b"\xa4\xa6\xa8\xb4\xb8\xbc\xbd\xbe\xe9",
            "€ŠšŽžŒœŸé",
            "IR 203 is ISO 8859-15 (pydicom: unknown term, Latin-1)",
        )
    )
    add(
        (
            b"ISO 2022 IR 6\\ISO 2022 IR 203",
            "LO",
            b"x" + ESC + b"-b\xa4",
            "x€",
            "ESC - b designates IR 203 (pydicom: unknown escape, literal)",
        )
    )
    # PS3.5 6.1.2.5.3 resets at ^ = \ for PN and at \ for multi-valued VRs; pydicom 3 decodes the
    # whole value with only CR LF FF TAB as delimiters.
    add(
        (
            b"\\ISO 2022 IR 149",
            "PN",
            euc_kr_g1("홍") + b"^\xb1\xe6",
            "홍^±æ",
            "reset at ^: G1 back to the initial set (pydicom keeps KS X 1001)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "PN",
            euc_kr_g1("홍") + b"=\xb1\xe6",
            "홍=±æ",
            "reset at = (pydicom keeps KS X 1001)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "LO",
            euc_kr_g1("홍") + b"\\\xb1\xe6",
            "홍\\±æ",
            "reset at backslash (pydicom keeps KS X 1001)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "LT",
            euc_kr_g1("홍") + b"\\\xb1\xe6",
            None,
            "LT: backslash is no delimiter (same as pydicom)",
        )
    )
    # Controls reset a two-byte G0 too; Python's iso2022_jp keeps JIS X 0208 across lines.
    add(
        (
            b"\\ISO 2022 IR 87",
            "LT",
            ESC + b"$B;3\r\n;3",
            "山\r\n;3",
            "CR LF end a JIS X 0208 run (pydicom: still JIS X 0208)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 87",
            "PN",
            ESC + b"$B;3ED^" + ESC + b"$BB@O:" + JIS_RET,
            "山田^太郎",
            "unpaired ^ in JIS X 0208 reads as ASCII (pydicom: run re-read as Latin-1)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            ESC + b"$B;3 ED" + JIS_RET,
            "山 田",
            "SPACE inside JIS X 0208 is SPACE (pydicom: run re-read as Latin-1)",
        )
    )
    # ISO 2022: ESC ( B changes G0 only, the IR 13 katakana stay in G1.
    add(
        (
            b"ISO 2022 IR 13\\ISO 2022 IR 87",
            "LO",
            jis("山") + b"\xb1",
            "山ｱ",
            "ESC ( B keeps G1 IR 13 (pydicom: Latin-1 after ESC ( B)",
        )
    )
    # Escapes for sets that were not declared are honoured (pydicom keeps them literally).
    add(
        (
            b"ISO_IR 100",
            "LO",
            b"a" + jis("山"),
            "a山",
            "undeclared ESC $ B honoured (pydicom: literal)",
        )
    )
    add((b"", "LO", ESC + b"-L\xbb", "Л", "no value, ESC - L honoured (pydicom: literal)"))
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            jis("山")[:-3] + JIS_ROMAN + b"a",
            "山a",
            "ESC ( J without IR 13 declared (pydicom: literal)",
        )
    )
    # Stand-alone sets have no code extensions: ESC stays (pydicom strips ESC ( B, then reads
    # the rest of the run as Latin-1).
    add((b"ISO_IR 192", "LO", b"a\x1b(B\xc3\xa9", "a\x1b(Bé", "UTF-8: ESC ( B is literal"))
    # Invalid bytes replace only themselves (pydicom re-reads the whole run as the first set).
    add((b"\\ISO 2022 IR 149", "LO", euc_kr_g1("가") + b"\xb0", "가\ufffd", "IR 149 lone lead"))
    # GB18030: encoding_rs follows GB 18030-2005/2022, Python's codec GB 18030-2000.
    for code, char in GB18030_MODERN.items():
        add((b"GB18030", "LO", code, char, f"GB 18030-2005/2022 mapping of {code.hex()}"))
    # WHATWG GBK/GB18030 decode a lone 0x80 as the euro sign; Python's codecs reject it.
    add((b"GB18030", "LO", b"\x80", "€", "GB18030 0x80 is the euro sign (pydicom: U+FFFD)"))
    add((b"GBK", "LO", b"a\x80", "a€", "GBK 0x80 is the euro sign (pydicom: U+FFFD)"))
    # Lenient: JIS X 0208 NEC row 13, KS X 1001 filler, invalid pair granularity.
    add(
        (
            b"\\ISO 2022 IR 87",
            "LO",
            ESC + b"$B-!" + JIS_RET,
            "①",
            "NEC row 13 in JIS X 0208 (pydicom: run re-read as Latin-1)",
        )
    )
    add(
        (
            b"\\ISO 2022 IR 149",
            "LO",
            euc_kr_g1("") + b"\xc9\xa1a",
            "\ufffda",
            "one U+FFFD per unmapped KS X 1001 pair (pydicom: run re-read as Latin-1)",
        )
    )
    return cases


GB18030_MODERN = {
    bytes.fromhex(k): v
    for k, v in {
        "a3a0": "\u3000",
        "a6d9": "\ufe10",
        "a6da": "\ufe12",
        "a6db": "\ufe11",
        "a6dc": "\ufe13",
        "a6dd": "\ufe14",
        "a6de": "\ufe15",
        "a6df": "\ufe16",
        "a6ec": "\ufe17",
        "a6ed": "\ufe18",
        "a6f3": "\ufe19",
        "a8bc": "\u1e3f",
        "fe59": "\u9fb4",
        "fe61": "\u9fb5",
        "fe66": "\u9fb6",
        "fe67": "\u9fb7",
        "fe6d": "\u9fb8",
        "fe7e": "\u9fb9",
        "fe90": "\u9fba",
        "fea0": "\u9fbb",
        "8135f437": "\ue7c7",
    }.items()
}
