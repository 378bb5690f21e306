"""Filters that turn staff-written plain text into page markup."""

from markupsafe import Markup

from app.templating import paragraphs


def test_paragraphs_part_on_blank_lines_and_keep_line_breaks():
    assert paragraphs("One\r\ntwo\n\n \nThree") == Markup("<p>One<br>\ntwo</p>\n<p>Three</p>")


def test_paragraphs_show_html_as_text():
    assert paragraphs('<script>alert(1)</script> <a href="x">y</a>') == Markup(
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;a href=&#34;x&#34;&gt;y&lt;/a&gt;</p>")


def test_paragraphs_link_web_addresses_but_not_the_punctuation_after_them():
    link = '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">https://example.org/a?b=1&amp;c=2</a>'
    assert paragraphs("See https://example.org/a?b=1&c=2.") == Markup(f"<p>See {link}.</p>")
    assert paragraphs("(https://example.org/a?b=1&c=2)") == Markup(f"<p>({link})</p>")
    assert paragraphs('"https://example.org/a?b=1&c=2"') == Markup(f"<p>&#34;{link}&#34;</p>")


def test_paragraphs_link_only_web_addresses():
    assert paragraphs("javascript:alert(1) and ftp://x.org") == Markup("<p>javascript:alert(1) and ftp://x.org</p>")
