"""Remote HTML and names: allow-list sanitising and display-name cleaning (THREATS: Rendering)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coopfed.web.sanitize import (
    MAX_COMBINING_MARKS,
    MAX_NAME_LENGTH,
    clean_text,
    display_host,
    display_name,
    remote_actor_label,
    sanitize_html,
)
from coopfed.web.templating import templates


def test_img_onerror_is_removed() -> None:
    assert sanitize_html('<p>hi<img src="x" onerror="alert(1)"></p>') == "<p>hi</p>"


def test_script_and_style_elements_go_with_their_content() -> None:
    cleaned = sanitize_html("<p>a</p><script>alert(1)</script><style>p{color:red}</style>")
    assert cleaned == "<p>a</p>"


def test_javascript_links_lose_their_href() -> None:
    for href in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,x"):
        cleaned = sanitize_html(f'<a href="{href}">x</a>')
        assert "href" not in cleaned, href
        assert "javascript" not in cleaned.lower()


def test_relative_links_lose_their_href() -> None:
    # A remote post must not link to paths on our own site (e.g. a sign-out form URL).
    assert "href" not in sanitize_html('<a href="/sign-out">x</a>')
    assert "href" not in sanitize_html('<a href="//evil.example/">x</a>')


def test_http_links_are_kept_and_marked() -> None:
    cleaned = sanitize_html('<a href="https://ok.example/p" title="t" target="_blank">ok</a>')
    assert cleaned == '<a href="https://ok.example/p" rel="nofollow noopener">ok</a>'


def test_style_and_event_attributes_are_removed() -> None:
    cleaned = sanitize_html('<p style="position:fixed;top:0" onclick="x()" class="c">t</p>')
    assert cleaned == "<p>t</p>"


def test_allowed_formatting_survives() -> None:
    source = (
        "<p>a<br><em>b</em> <strong>c</strong></p><ul><li>d</li></ul><ol><li>e</li></ol>"
        "<blockquote>f</blockquote><pre><code>g</code></pre>"
    )
    assert sanitize_html(source) == source


def test_disallowed_tags_keep_their_text_only() -> None:
    assert sanitize_html("<h1>big</h1><span>s</span><iframe src=x></iframe>") == "bigs"


def test_bidi_overrides_and_zero_width_characters_are_dropped() -> None:
    name = "\u202eadmin\u202c\u200b\u200c\u200d\u2066x\u2069\ufeff\u00ad"
    assert display_name(name) == "adminx"


def test_a_flood_of_zero_width_characters_leaves_the_name() -> None:
    assert display_name("bob" + "\u200b" * 10_000) == "bob"


def test_combining_mark_floods_are_limited() -> None:
    zalgo = "z" + "\u0336\u0335\u0334" * 100 + "a"
    assert display_name(zalgo) == "z\u0336\u0335a"
    assert len(display_name("e" + "\u0301" * 500)) <= 1 + MAX_COMBINING_MARKS


def test_real_accents_are_kept() -> None:
    assert display_name("Nguyễn Thị Minh Khai") == "Nguyễn Thị Minh Khai"


def test_names_are_capped() -> None:
    shown = display_name("x" * 10_000)
    assert len(shown) == MAX_NAME_LENGTH and shown.endswith("…")


def test_control_characters_and_newlines_become_one_line() -> None:
    assert display_name("a\nb\r\n\tc\x00d\x1b[31m\u2028e") == "a b cd[31m e"


def test_empty_name_falls_back_to_the_username() -> None:
    assert display_name("\u200b\u202e", fallback="bob") == "bob"


def test_label_always_shows_the_host() -> None:
    assert remote_actor_label("Bob", "bob", "Social.Example.") == "Bob (@bob@social.example)"
    assert remote_actor_label("", "bob", "social.example") == "bob (@bob@social.example)"


def test_label_shows_idn_hosts_as_punycode() -> None:
    # Look-alike hosts stay distinguishable: the Cyrillic "а" is visible as xn--.
    assert display_host("exаmple.com").startswith("xn--")
    assert display_host("bücher.example") == "xn--bcher-kva.example"


def test_a_name_cannot_pose_as_another_handle() -> None:
    label = remote_actor_label("Ada (@ada@coop.test)\u202e", "mallory", "evil.example")
    assert label.endswith("(@mallory@evil.example)")


@given(st.text(max_size=400))
def test_clean_text_never_keeps_invisible_controls(text: str) -> None:
    cleaned = clean_text(text, 64)
    assert len(cleaned) <= 64
    assert not any(c in cleaned for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not any(c in cleaned for c in "\u200b\u200c\u200d\u2060\ufeff\n\r\x00")


def test_jinja_filters_escape_and_sanitise() -> None:
    page = templates.env.from_string(
        "{{ name | remote_actor(user, host) }}|{{ content | clean_html }}"
    ).render(
        name='<img src=x onerror="alert(1)">\u202e',
        user="m<b>",
        host="evil.example",
        content='<p onclick="x">hi</p><img src=x onerror=alert(1)>',
    )
    assert page == (
        "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; (@m&lt;b&gt;@evil.example)|<p>hi</p>"
    )
