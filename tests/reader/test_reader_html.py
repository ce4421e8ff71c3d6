"""HTML bodies read as a person sees them in their mail client."""

from __future__ import annotations

from mailbot.reader.html import html_to_text
from mailbot.reader.message import read
from tests.reader.test_reader_mailers import headers, mso, outlook_html, part


def html_mail(markup: str, charset: str = "utf-8") -> str:
    """The text of an HTML-only mail carrying `markup`."""
    head = headers("jan@example.nl", "X-Mailer: test", f"text/html; charset={charset}")
    body = part("x", markup.encode(charset), "quoted-printable").split(b"\r\n", 1)[1]
    return read(head.encode() + body).text


def test_outlook_paragraphs_nbsp_and_entities() -> None:
    raw = outlook_html("jan@example.nl", ["Naam: J. de Vries & co", "", "Periode:\xa02026-H1"],
                       mso(["Geachte heer/mevrouw,"]))
    text = read(raw).text
    assert text.startswith("Naam: J. de Vries & co\n\nPeriode: 2026-H1\n")
    assert "{font-family" not in text and "shapedefaults" not in text  # <style>, <xml> gone
    assert "\xa0" not in text


def test_table_row_label_and_value_cells_on_one_line() -> None:
    markup = (
        "<table class=MsoNormalTable border=0 cellpadding=0><tr>"
        "<td width=300 valign=top><p class=MsoNormal>1. Aantal opgelegde huisverboden:"
        "<o:p></o:p></p></td><td valign=top><p class=MsoNormal>12<o:p></o:p></p></td></tr>"
        "<tr><td><p class=MsoNormal>7a. Aantal gestarte hulpverleningstrajecten voor "
        "uithuisgeplaatste:</p><td><p class=MsoNormal>6</p></tr></table>"
        "<p class=MsoNormal>Groet</p>"
    )
    lines = html_mail(markup).split("\n")
    assert lines[0].split("\t") == ["1. Aantal opgelegde huisverboden:", "12"]
    assert lines[1] == "7a. Aantal gestarte hulpverleningstrajecten voor uithuisgeplaatste:\t6"
    assert lines[2] == "Groet"


def test_layout_table_around_the_whole_message_keeps_lines() -> None:
    markup = "<table><tr><td><div>Gemeente: Utrecht</div><div>Naam: Jan</div></td></tr></table>"
    assert html_mail(markup) == "Gemeente: Utrecht\nNaam: Jan"


def test_head_style_script_and_conditional_comments_are_dropped() -> None:
    markup = (
        "<html><head><title>Bericht</title><style>p {color:red}</style></head><body>"
        "<script>alert(1)</script><!--[if gte mso 9]><xml><o:OfficeDocumentSettings>"
        "</o:OfficeDocumentSettings></xml><![endif]-->Zichtbaar<br>"
        "<![if !supportLists]>1.<![endif]> Aantal</body></html>"
    )
    assert html_mail(markup) == "Zichtbaar\n1. Aantal"


def test_br_and_div_lines_and_blank_lines() -> None:
    markup = "<div>Gemeente: Utrecht</div><div><br></div><div>Naam: Jan<br>Periode: 2026-H1</div>"
    assert html_mail(markup) == "Gemeente: Utrecht\n\nNaam: Jan\nPeriode: 2026-H1"


def test_blockquotes_become_quote_markers_nested() -> None:
    markup = (
        "Ja<div class=\"gmail_quote\"><div class=\"gmail_attr\">Op wo 1 jul 2026 schreef "
        "Piet &lt;p@x.nl&gt;:<br></div><blockquote class=\"gmail_quote\">Klopt het?"
        "<blockquote type=\"cite\">Oud</blockquote></blockquote></div>"
    )
    assert html_mail(markup) == "Ja\nOp wo 1 jul 2026 schreef Piet <p@x.nl>:\n> Klopt het?\n> > Oud"


def test_thunderbird_moz_cite_prefix_reply() -> None:
    markup = (
        '<p>Gemeente: Utrecht</p><div class="moz-cite-prefix">Op 01-07-2026 om 08:00 schreef '
        'Monitoringsysteem Huisverbod:<br></div><blockquote type="cite" cite="mid:t@h.test">'
        "<pre class=\"moz-quote-pre\" wrap=\"\">Gemeente:\nNaam:</pre></blockquote>"
    )
    head = headers("jan@example.nl", "User-Agent: Mozilla Thunderbird", "text/html; charset=UTF-8")
    mail = read(head.encode() + b"\r\n" + markup.encode())
    assert (mail.fresh, mail.quoted) == ("Gemeente: Utrecht", "Gemeente:\nNaam:")


def test_gmail_indent_is_not_a_quote() -> None:
    markup = '<blockquote style="margin:0 0 0 40px;border:none;padding:0px">Naam: Jan</blockquote>'
    assert html_to_text(markup) == "Naam: Jan"


def test_ordered_list_keeps_its_numbers() -> None:
    markup = "<ol><li>Aantal opgelegde huisverboden: 3</li><li>Aantal geweigerde: 0</li></ol>"
    assert html_mail(markup) == "1. Aantal opgelegde huisverboden: 3\n2. Aantal geweigerde: 0"


def test_broken_markup_does_not_raise() -> None:
    assert html_to_text("<![foo bar]>tekst<td></tr></table></blockquote><p>").strip() == "tekst"
    assert html_to_text("<table><tr><td>a<table><tr><td>b") == "a\nb"
