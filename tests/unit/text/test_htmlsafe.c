/* test_htmlsafe.c — the HTML sanitiser of article bodies: what wangEditor 5
 * writes comes through, the classic XSS and mutation-XSS vectors leave
 * nothing that runs (checked by parsing the output again against the
 * whitelist: tests/fuzz/htmlsafe_oracle.h), cleaning is idempotent, deep
 * or pathological input neither overflows the stack nor runs away, and the
 * visible text and the image list are what a reader sees. */
#include "support/cm.h"

#include "../../fuzz/htmlsafe_oracle.h"
#include "core/str.h"
#include "text/htmlsafe.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clean(html) or fail; checks the oracle and idempotence on the way */
static char *clean(const char *html)
{
    char err[256] = "";
    char *out = htmlsafe_clean(html, strlen(html), 0, err, sizeof err);
    if (!out)
        fail_msg("refused: %s (%s)", err, html);
    const char *bad = hso_violation(out, strlen(out));
    if (bad)
        fail_msg("%s in [%s] from [%s]", bad, out, html);
    char *again = htmlsafe_clean(out, strlen(out), 0, err, sizeof err);
    assert_non_null(again);
    if (strcmp(out, again))
        fail_msg("not idempotent:\n  in     [%s]\n  once   [%s]\n  twice  [%s]", html, out, again);
    free(again);
    return out;
}

static void assert_clean(const char *html, const char *want)
{
    char *out = clean(html);
    if (strcmp(out, want))
        fail_msg("clean(%s)\n  got  [%s]\n  want [%s]", html, out, want);
    free(out);
}

/* Fails when a tag of the output contains what (lower-cased). Text and
 * attribute values never hold a raw '<' or '>', so each tag runs from a
 * '<' to the next '>'; text such as "onerror=" is harmless and not looked
 * at. */
static void assert_no_tag_with(const char *out, const char *what)
{
    for (const char *lt = strchr(out, '<'); lt; lt = strchr(lt + 1, '<')) {
        char tag[2048];
        size_t n = strcspn(lt, ">");
        assert_true(n < sizeof tag);
        for (size_t i = 0; i < n; i++)
            tag[i] = (char)((lt[i] >= 'A' && lt[i] <= 'Z') ? lt[i] + 32 : lt[i]);
        tag[n] = 0;
        if (strstr(tag, what))
            fail_msg("[%s] has a tag with %s", out, what);
    }
}

static void script_never_survives(void **state)
{
    (void)state;
    assert_clean("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>");
    assert_clean("<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok", "ok");
    assert_clean("<scr<script>ipt>alert(1)</script>", "ipt&gt;alert(1)"); /* a tag named "scr<script" */
    assert_clean("<script>document.write('<p>x</p>')</script><p>y</p>", "<p>y</p>");
    assert_clean("<style>@import 'https://evil.example/x.css';</style><p>y</p>", "<p>y</p>");
    assert_clean("<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>", "");
    assert_clean("<iframe src=\"https://evil.example/\"></iframe>after", "after");
    assert_clean("<object data=\"x.swf\"><embed src=\"x.swf\"></object>z", "z");
    assert_clean("<form><button formaction=javascript:alert(1)>go</button><input value=v></form>t", "t");
    assert_clean("<template><img src=x onerror=alert(1)></template>t", "t");
    assert_clean("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "");
    assert_clean("<svg><p><style><img src=x onerror=alert(1)></style></p></svg>", "");
    assert_clean(
        "<title>t</title><meta http-equiv=refresh content=0><link rel=stylesheet href=x><base href=x>b", "b");
    assert_clean("<!-- <img src=x onerror=alert(1)> -->c<!--->d", "cd");
    assert_clean("<textarea><img src=x onerror=alert(1)></textarea><select><option>o</select>e", "e");
    assert_clean("<xmp><img src=x onerror=alert(1)></xmp>", "&lt;img src=x onerror=alert(1)&gt;");
}

static void event_handler_attributes_are_dropped(void **state)
{
    (void)state;
    assert_clean("<img src=x onerror=alert(1)>", "<img src=\"x\">");
    assert_clean("<p onclick=\"alert(1)\" ONMOUSEOVER=alert(2) class=c id=i>p</p>", "<p>p</p>");
    assert_clean("<svg onload=alert(1)>s</svg>t", "t");
    assert_clean("<a href=\"/x\" onfocus=alert(1) autofocus tabindex=1>a</a>", "<a href=\"/x\">a</a>");
    assert_clean("<div style=\"background:url(javascript:alert(1))\">x</div>", "<div>x</div>");
    assert_clean("<div style=\"color: red; width: expression(alert(1)); background-color: #ABC\">x</div>",
                 "<div style=\"color: red; background-color: #abc;\">x</div>");
    assert_clean("<span style=\"color: re\\64; font-size: 12px /* x */; color: rgb(1,2,3)\">x</span>",
                 "<span style=\"color: rgb(1,2,3);\">x</span>");
    assert_clean("<p style=\"behavior: url(x.htc); -moz-binding: url(x); text-align: CENTER\">x</p>",
                 "<p style=\"text-align: center;\">x</p>");
    assert_clean("<img src=\"/a.png\" style=\"width: 50%; height: 20px; position: fixed\" width=\"100\" "
                 "height=\"auto\" data-href=\"x\">",
                 "<img src=\"/a.png\" width=\"100\" style=\"width: 50%; height: 20px;\">");
    assert_clean("<p style=\"width: 10px\">x</p>", "<p>x</p>"); /* width only on img and cells */
    assert_clean("<a href=\"/x\" target=\"_top\">a</a><a href=\"/y\" target=\"_blank\" rel=\"opener\">b</a>",
                 "<a href=\"/x\">a</a><a href=\"/y\" target=\"_blank\" rel=\"noopener noreferrer\">b</a>");
    /* every XSS vector: the oracle (inside clean()) finds nothing that runs */
    static const char *const VECTORS[] = {
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<iframe src=\"javascript:alert(1)\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<style>@import 'javascript:alert(1)';</style>",
        "<div style=\"background:url(javascript:alert(1))\">",
        "<a href=\" javascript:alert(1)\">x</a>",
        "<form><button formaction=javascript:alert(1)>x</button></form>",
        "<body onload=alert(1)>",
        "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"/>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "<img src=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
        "<video><source onerror=\"alert(1)\"></video>",
        "<video src=\"javascript:alert(1)\" poster=\"javascript:alert(2)\"></video>",
        "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<p><svg><style>&lt;img src=x onerror=alert(1)&gt;</style></svg></p>",
        "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
        "<a href=\"\x01javascript:alert(1)\">x</a>",
        "<img src=\"/\t/evil.example/x.png\">",
        "<a href=\"\\\\evil.example\">x</a>",
        "<div><p>a<div>b</p></div>",
        "<p id=\"x\" style=\"x:expression(alert(1))\">y</p>",
        "<img src=`x` onerror=alert(1)>",
        "<object data=\"javascript:alert(1)\">",
        "<isindex action=javascript:alert(1) type=image>",
        "<embed src=\"javascript:alert(1)\">",
        "<a href=\"https://x.example/\" onmouseover=\"alert(1)\">x</a>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">t</p>",
        "<a title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">t</a>",
        "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
        "<![CDATA[<img src=x onerror=alert(1)>]]>",
        NULL,
    };
    for (const char *const *v = VECTORS; *v; v++) {
        char *out = clean(*v);
        static const char *const NEVER[] = {"<script", "<iframe",    "<svg",  "<math", "<style",
                                            "<object", "<embed",     "<form", " on",   "javascript",
                                            "url(",    "expression", NULL};
        for (const char *const *w = NEVER; *w; w++)
            assert_no_tag_with(out, *w);
        free(out);
    }
}

static void javascript_urls_in_any_case_or_with_tabs_are_dropped(void **state)
{
    (void)state;
    assert_clean("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\"JaVaScRiPt:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\"jav&#x09;ascript:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\"java\tscript:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\"java&#10;script:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\" javascript:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\"&#x20;&#x0B;javascript:alert(1)\">x</a>", "<a>x</a>");
    assert_clean("<a href=\"vbscript:x\">x</a><a href=\"data:text/html,x\">y</a>", "<a>x</a><a>y</a>");
    assert_clean("<a href=\"//evil.example/\">x</a><a href=\"/\\evil.example\">y</a>", "<a>x</a><a>y</a>");
    /* "/ /host": a path to a browser, another host to a careless reader (found by the fuzzer) */
    assert_clean("<a href=\"/ /evil.example/\">x</a><a href=\"/a b.html\">y</a>",
                 "<a>x</a><a href=\"/a b.html\">y</a>");
    /* no word of script in a style, in any case (found by the fuzzer) */
    assert_clean("<p style=\"color: JavaScript;\">t</p>", "<p>t</p>");
    assert_clean("<img src=\"javascript:alert(1)\">t", "t");
    assert_clean("<img src=\"mailto:a@b.cn\">t", "t"); /* mailto: only on links */
    /* what is allowed, trimmed */
    assert_clean("<a href=\"  https://www.shanghai.gov.cn/a?b=1&amp;c=2#d \n\">s</a>",
                 "<a href=\"https://www.shanghai.gov.cn/a?b=1&amp;c=2#d\">s</a>");
    assert_clean("<a href=\"HTTP://x.cn/\">h</a><a href=\"mailto:dw@x.cn\">m</a><a href=\"#top\">t</a>"
                 "<a href=\"news/1.html\">r</a><a href=\"/m/news?id=1:2\">q</a>",
                 "<a href=\"HTTP://x.cn/\">h</a><a href=\"mailto:dw@x.cn\">m</a><a href=\"#top\">t</a>"
                 "<a href=\"news/1.html\">r</a><a href=\"/m/news?id=1:2\">q</a>");
}

static void svg_data_images_are_dropped(void **state)
{
    (void)state;
    assert_clean("<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">t", "t");
    assert_clean("<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">t", "t");
    assert_clean("<img src=\"data:text/html;base64,PHNjcmlwdD4=\">t", "t");
    assert_clean("<img src=\"data:image/png,raw\">t", "t");
    assert_clean("<img src=\"data:image/png;base64,iVBO w0K\">t", "t");
    assert_clean("<img src=\"data:image/png;base64,iVBO&quot;onerror=&quot;\">t", "t");
    assert_clean("<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
                 "<img src=\"data:image/png;base64,iVBORw0KGgo=\">");
    assert_clean("<img src=\"DATA:image/JPEG;base64,/9j/4AAQ\"><img src=\"data:image/gif;base64,R0lG\">"
                 "<img src=\"data:image/webp;base64,UklG\">",
                 "<img src=\"DATA:image/JPEG;base64,/9j/4AAQ\"><img src=\"data:image/gif;base64,R0lG\">"
                 "<img src=\"data:image/webp;base64,UklG\">");
    assert_clean("<a href=\"data:image/png;base64,iVBO\">x</a>", "<a>x</a>"); /* data: only for images */
}

/* An article as wangEditor 5's editor.getHtml() writes it (its elem-to-html
 * code: colSpan/rowSpan/width="auto" on every cell, width: auto on the
 * table, data-href on images, data-w-e-* on the video and todo wrappers,
 * XHTML-style "/>", &nbsp;, a language class on code blocks). */
static const char WANG_IN[] =
    "<h1 style=\"text-align: center;\">学习贯彻党的二十大精神</h1>"
    "<p style=\"text-indent: 2em; line-height: 1.5;\">为深入学习贯彻<strong>党的二十大</strong>精神，"
    "<span style=\"color: rgb(225, 60, 57);\">长宁区某街道党工委</span>于<em>6月1日</em>组织"
    "<span style=\"background-color: rgb(255, 245, 204);\">专题学习会</span>。</p>"
    "<h2>一、学习内容</h2>"
    "<ul><li>党章党规</li><li><span style=\"font-size: 16px;\">系列讲话</span></li></ul>"
    "<ol><li>集中学习</li><li>分组讨论&nbsp;交流心得</li></ol>"
    "<blockquote>不忘初心，牢记使命。</blockquote>"
    "<table style=\"width: auto;\"><tbody>"
    "<tr><th colSpan=\"1\" rowSpan=\"1\" width=\"auto\">支部</th>"
    "<th colSpan=\"1\" rowSpan=\"1\" width=\"auto\">人数</th></tr>"
    "<tr><td colSpan=\"1\" rowSpan=\"1\" width=\"auto\">第一支部</td>"
    "<td colSpan=\"1\" rowSpan=\"1\" width=\"auto\">23</td></tr>"
    "<tr><td colSpan=\"2\" rowSpan=\"1\" width=\"auto\"><u>合计</u> 23</td></tr>"
    "</tbody></table>"
    "<p style=\"text-align: center;\"><img src=\"/api/v1/media/8f3a/medium.jpg\" alt=\"学习会现场\" "
    "data-href=\"\" style=\"width: 50%;\"/></p>"
    "<p>详见<a href=\"https://www.shanghai.gov.cn/\" target=\"_blank\">上海发布</a>。"
    "<s>草稿</s><sup>1</sup><sub>2</sub><code>x</code></p>"
    "<hr/>"
    "<pre><code class=\"language-javascript\">let a = 1 &lt; 2;</code></pre>"
    "<div data-w-e-type=\"video\" data-w-e-is-void>\n<video poster=\"\" controls=\"true\" width=\"auto\" "
    "height=\"auto\"><source src=\"/api/v1/media/9c1d/video.mp4\" type=\"video/mp4\"/></video>\n</div>"
    "<div data-w-e-type=\"todo\"><input type=\"checkbox\" disabled >报送学习材料</div>"
    "<p><br></p>";

/* The same article after cleaning: every text, element and style is still
 * there; what changed is spelling (attribute names in lower case, ">" for
 * "/>", U+00A0 for &nbsp;), the editor's defaults and private attributes
 * (width="auto", width: auto, data-*, class, the disabled checkbox), and
 * rel="noopener noreferrer" added to the target="_blank" link. */
static const char WANG_OUT[] =
    "<h1 style=\"text-align: center;\">学习贯彻党的二十大精神</h1>"
    "<p style=\"text-indent: 2em; line-height: 1.5;\">为深入学习贯彻<strong>党的二十大</strong>精神，"
    "<span style=\"color: rgb(225, 60, 57);\">长宁区某街道党工委</span>于<em>6月1日</em>组织"
    "<span style=\"background-color: rgb(255, 245, 204);\">专题学习会</span>。</p>"
    "<h2>一、学习内容</h2>"
    "<ul><li>党章党规</li><li><span style=\"font-size: 16px;\">系列讲话</span></li></ul>"
    "<ol><li>集中学习</li><li>分组讨论\xC2\xA0交流心得</li></ol>"
    "<blockquote>不忘初心，牢记使命。</blockquote>"
    "<table><tbody>"
    "<tr><th colspan=\"1\" rowspan=\"1\">支部</th><th colspan=\"1\" rowspan=\"1\">人数</th></tr>"
    "<tr><td colspan=\"1\" rowspan=\"1\">第一支部</td><td colspan=\"1\" rowspan=\"1\">23</td></tr>"
    "<tr><td colspan=\"2\" rowspan=\"1\"><u>合计</u> 23</td></tr>"
    "</tbody></table>"
    "<p style=\"text-align: center;\"><img src=\"/api/v1/media/8f3a/medium.jpg\" alt=\"学习会现场\" "
    "style=\"width: 50%;\"></p>"
    "<p>详见<a href=\"https://www.shanghai.gov.cn/\" target=\"_blank\" rel=\"noopener "
    "noreferrer\">上海发布</a>。"
    "<s>草稿</s><sup>1</sup><sub>2</sub><code>x</code></p>"
    "<hr>"
    "<pre><code>let a = 1 &lt; 2;</code></pre>"
    "<div>\n<video controls=\"\"><source src=\"/api/v1/media/9c1d/video.mp4\" "
    "type=\"video/mp4\"></video>\n</div>"
    "<div>报送学习材料</div>"
    "<p><br></p>";

static void wangeditor_output_survives_unchanged(void **state)
{
    (void)state;
    assert_clean(WANG_IN, WANG_OUT);
    assert_clean(WANG_OUT, WANG_OUT); /* and what it keeps, it keeps byte for byte */
}

static void nested_unknown_elements_are_unwrapped_keeping_text(void **state)
{
    (void)state;
    assert_clean("<section><article><custom-el><font color=red>内容</font></custom-el></article></section>",
                 "内容");
    assert_clean("<x-a><x-b><p>段<x-c>落</x-c></p></x-b></x-a>", "<p>段落</p>");
    assert_clean("<center><marquee><blink>闪</blink></marquee></center>", "闪");
    assert_clean("<dl><dt>术语</dt><dd>解释</dd></dl>", "术语解释");
    /* unwrapping never makes the parser restructure the output */
    assert_clean("<p>x<marquee><p>y</p></marquee>z</p>", "<p>xyz</p>");
    assert_clean("<li>a<menu><li>b</li></menu></li>", "<li>ab</li>");
    assert_clean("<a href=\"/1\">a<marquee><a href=\"/2\">b</a></marquee></a>", "<a href=\"/1\">ab</a>");
    assert_clean("<h1>a<x-y><h2>b</h2></x-y></h1>", "<h1>ab</h1>");
    assert_clean(
        "<table><caption>题</caption><colgroup><col width=\"1\"></colgroup><tr><td>格</td></tr></table>",
        "<table><tbody><tr><td>格</td></tr></tbody></table>");
    assert_clean("<td>孤立单元格</td><tr><th>行</th></tr>", "孤立单元格行");
}

static void cleaning_twice_changes_nothing(void **state)
{
    (void)state;
    /* clean() asserts clean(clean(x)) == clean(x) on every input */
    static const char *const INPUTS[] = {
        "<p><div>a</div></p>",
        "<b><p>x</b>y</p>",
        "<a href=/1><div><a href=/2>b</a></div></a>",
        "<table>text<tr><td>1<td>2<tr><td>3</table>",
        "<b><b><b><b><b>deep</b></b></b></b></b>",
        "<i><b><u><s><em><strong><code>x</code></strong></em></s></u></b></i>",
        "<pre>\n\nx</pre><pre><x-y>\ny</x-y></pre><pre>\nz</pre>",
        "<p>a&#13;b&#0;c\r\nd</p>",
        "<ul><li>1<li>2<ul><li>2.1</ul><li>3</ul>",
        "<p>a<table><tr><td>b</td></tr></table>c</p>",
        "<h1><p>a</p><h2>b</h2></h1>",
        "<li><div><li>x</li></div></li>",
        "<video src=\"/v.mp4\"><p>fallback</p><source src=\"/w.mp4\"></video>",
        "<table><tr><td><table><tr><td>嵌套</td></tr></table></td></tr></table>",
        "<a href=\"/x\"><table><tr><td><a href=\"/y\">y</a></td></tr></table></a>",
        "<ol start=\"3\"><li>c</li></ol><ol start=\"x\"><li>d</li></ol>",
        "<p>\"quotes\" & 'apos' <b>&lt;tag&gt;</b> &amp;amp;</p>",
        "<p title=\"t\" style=\"color:#FFFFFF;;color: red ; ;\">s</p>",
        "<div><span>a<div>b</div>c</span></div>",
        "<b>1<p>2<i>3</b>4</i>5</p>",
        "<a href=\"/a\">1<p>2</a>3</p>",
        "<table><tbody><tr><td>a</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot><thead><tr><th>h</th></"
        "tr>"
        "</thead></table>",
        "<p>\xC2\xA0 \xC2\xA0</p>",
        /* characters a reference can give but the input cannot hold */
        "<p>&#1;&#x0B;&#x7F;&#x80;&#x81;&#x9F;&#xFDD0;&#xFFFE;&#x10FFFF;</p><a title=\"&#1;&#x81;\">t</a>",
        "<p>&#6666666666</p><a title=\"&#99999999999;\">t</a>", /* gumbo writes broken UTF-8 here */
        "",
        NULL,
    };
    for (const char *const *v = INPUTS; *v; v++)
        free(clean(*v));
}

static char *repeat(const char *unit, size_t times)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = 0;
    return s;
}

static size_t count(const char *s, const char *w)
{
    size_t n = 0;
    for (const char *p = strstr(s, w); p; p = strstr(p + 1, w))
        n++;
    return n;
}

static void deep_nesting_does_not_overflow(void **state)
{
    (void)state;
    static const char *const UNITS[] = {
        "<div>",    "<span>", "<b>", "<table><tr><td>", "<ul><li>", "<blockquote>", "<div><table><td></div>",
        "<svg><g>", NULL};
    for (const char *const *u = UNITS; *u; u++) {
        char *in = repeat(*u, 100000);
        char err[256] = "";
        char *out = htmlsafe_clean(in, strlen(in), 4u << 20, err, sizeof err);
        if (!out)
            fail_msg("%s ×100000 refused: %s", *u, err);
        assert_null(hso_violation(out, strlen(out)));
        /* never more than HTMLSAFE_MAX_DEPTH elements open in the output */
        size_t open = 0, max = 0;
        for (const char *p = out; *p; p++) {
            if (p[0] == '<' && p[1] == '/')
                open--;
            else if (p[0] == '<' && strncmp(p, "<br>", 4) && strncmp(p, "<img", 4) && strncmp(p, "<hr>", 4))
                open++;
            if (open > max)
                max = open;
        }
        assert_true(max <= HTMLSAFE_MAX_DEPTH);
        char *again = htmlsafe_clean(out, strlen(out), 4u << 20, err, sizeof err);
        assert_non_null(again);
        assert_string_equal(again, out);
        size_t tl;
        char *text = htmlsafe_text(in, strlen(in), &tl, err, sizeof err);
        assert_non_null(text);
        json_t *img = htmlsafe_images(in, strlen(in));
        assert_non_null(img);
        json_decref(img);
        free(text);
        free(again);
        free(out);
        free(in);
    }
    /* the content at the bottom of a deep tree is kept */
    char *in = repeat("<div>", 5000);
    size_t n = strlen(in);
    in = realloc(in, n + 32);
    strcpy(in + n, "底部的文字");
    char *out = clean(in);
    assert_non_null(strstr(out, "底部的文字"));
    assert_int_equal(count(out, "<div>"), HTMLSAFE_MAX_DEPTH);
    free(out);
    free(in);
}

static void pathological_markup_is_refused_or_bounded(void **state)
{
    (void)state;
    char err[256] = "";
    /* more attributes on a tag than the parser handles in linear time */
    sbuf_t b;
    sbuf_init(&b);
    sbuf_puts(&b, "<p");
    for (int i = 0; i <= HTMLSAFE_MAX_ATTRS; i++)
        sbuf_printf(&b, " a%d=\"1\"", i);
    sbuf_puts(&b, ">x</p>");
    assert_null(htmlsafe_clean(b.data, b.len, 0, err, sizeof err));
    assert_non_null(strstr(err, "属性"));
    sbuf_free(&b);
    /* open formatting elements re-created after every block: refused once
     * the parser's memory budget is spent, not after gigabytes */
    sbuf_init(&b);
    sbuf_puts(&b, "<div>");
    for (int i = 0; i < 250; i++)
        sbuf_printf(&b, "<b title=\"%d\">", i);
    sbuf_puts(&b, "</div>");
    for (int i = 0; i < 20000; i++)
        sbuf_puts(&b, "<div>x</div>");
    err[0] = 0;
    assert_null(htmlsafe_clean(b.data, b.len, 0, err, sizeof err));
    assert_non_null(strstr(err, "复杂"));
    assert_null(htmlsafe_text(b.data, b.len, NULL, err, sizeof err));
    assert_null(htmlsafe_images(b.data, b.len));
    sbuf_free(&b);
    /* too long */
    assert_null(htmlsafe_clean("<p>0123456789</p>", 17, 10, err, sizeof err));
    assert_non_null(strstr(err, "上限"));
    /* a reason fits any buffer, and none is needed */
    char tiny[8];
    assert_null(htmlsafe_clean("\xff", 1, 0, tiny, sizeof tiny));
    assert_true(utf8_valid(tiny, strlen(tiny))); /* cut between characters */
    assert_true(strlen(tiny) == 6);
    assert_null(htmlsafe_clean("\xff", 1, 0, NULL, 0));
}

static void invalid_utf8_is_refused_with_a_reason(void **state)
{
    (void)state;
    static const char *const BAD[] = {"<p>\xff</p>",
                                      "<p>\xc0\xaf</p>",
                                      "<p>\xed\xa0\x80</p>",
                                      "<p>\xe4\xb8</p>",
                                      "<a href=\"\xf8\x88\x80\x80\x80\">x</a>",
                                      NULL};
    for (const char *const *b = BAD; *b; b++) {
        char err[256] = "";
        assert_null(htmlsafe_clean(*b, strlen(*b), 0, err, sizeof err));
        assert_non_null(strstr(err, "UTF-8"));
        assert_non_null(strstr(err, "字节"));
        err[0] = 0;
        size_t tl = 99;
        assert_null(htmlsafe_text(*b, strlen(*b), &tl, err, sizeof err));
        assert_non_null(strstr(err, "UTF-8"));
        assert_null(htmlsafe_images(*b, strlen(*b)));
    }
    char err[256] = "";
    assert_null(htmlsafe_clean("<p>好\xe5</p>", 8, 0, err, sizeof err));
    assert_non_null(strstr(err, "第 6 字节"));
}

static void assert_text(const char *html, const char *want)
{
    char err[256] = "";
    size_t n = 0;
    char *t = htmlsafe_text(html, strlen(html), &n, err, sizeof err);
    if (!t)
        fail_msg("refused: %s", err);
    assert_int_equal(n, strlen(t));
    if (strcmp(t, want))
        fail_msg("text(%s)\n  got  [%s]\n  want [%s]", html, t, want);
    free(t);
}

static void text_extraction_separates_blocks_with_newlines_and_decodes_entities(void **state)
{
    (void)state;
    assert_text("<h1>标题</h1><p>第一段<b>加粗</b>文字</p><p>第二段</p>", "标题\n第一段加粗文字\n第二段");
    assert_text("<p>a &amp; b &lt;c&gt; &quot;d&quot; &#x4E2D;&#25991; &nbsp;e</p>",
                "a & b <c> \"d\" 中文 \xC2\xA0"
                "e");
    assert_text("<ul><li>一</li><li>二</li></ul><table><tr><th>表头</th><td>格</td></tr></table>",
                "一\n二\n表头\n格");
    assert_text("<p>第一行<br>第二行<br/><br>第三行</p>", "第一行\n第二行\n第三行");
    assert_text("<blockquote>引</blockquote><div>块</div><pre>  保留\n  空白</pre>尾",
                "引\n块\n  保留\n  空白\n尾");
    assert_text("<p>\n  源码里的\n  换行  </p>\n\n<p> 与 <i>空格</i> </p>", "源码里的 换行\n与 空格");
    assert_text("<p>正文<script>var x = '不应出现';</script><style>p{}</style></p>", "正文");
    assert_text("<p>图<img src=\"/a.png\" alt=\"替代文字\">片</p>", "图片");
    assert_text("<p>a<!-- 注释 -->b<iframe>框</iframe><noscript>无</noscript>c</p>", "abc");
    assert_text("<p>敏感<span>词</span></p><video src=\"/v.mp4\">后备文字</video>", "敏感词");
    assert_text("<svg><text>图形</text></svg><math><mi>x</mi></math>正", "正");
    assert_text("<p>&#6666666666</p>", "\xEF\xBF\xBD"); /* never broken UTF-8 */
    assert_text("", "");
}

static void chinese_text_is_kept_byte_for_byte(void **state)
{
    (void)state;
    const char *zh = "中国共产党上海市委员会《关于加强新时代党建引领基层治理的意见》——“十四五”规划，"
                     "全角ＡＢＣ１２３、繁體字、〇、𠀀（扩展B）、㈠、①、emoji👍、零宽\xE2\x80\x8B字符。";
    size_t n = strlen(zh);
    char *out = clean(zh);
    assert_string_equal(out, zh);
    free(out);
    char html[1024];
    snprintf(html, sizeof html, "<p style=\"text-align: justify;\">%s</p>", zh);
    out = clean(html);
    assert_string_equal(out, html);
    free(out);
    size_t tl;
    char err[256];
    char *t = htmlsafe_text(html, strlen(html), &tl, err, sizeof err);
    assert_int_equal(tl, n);
    assert_memory_equal(t, zh, n);
    free(t);
}

static void images_lists_sources(void **state)
{
    (void)state;
    const char *html = "<p><img src=\"/api/v1/media/1/a.jpg\" alt=\"一\"></p>"
                       "<table><tr><td><img src=\" /api/v1/media/2/b.png \"></td></tr></table>"
                       "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><img alt=\"无地址\">"
                       "<script><img src=\"/hidden.png\"></script><svg><image href=\"/svg.png\"/></svg>"
                       "<p><img src=\"https://cdn.example.cn/c.webp\"></p>";
    json_t *a = htmlsafe_images(html, strlen(html));
    assert_non_null(a);
    assert_int_equal(json_array_size(a), 4);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "/api/v1/media/1/a.jpg");
    assert_string_equal(json_string_value(json_array_get(a, 1)), "/api/v1/media/2/b.png");
    assert_string_equal(json_string_value(json_array_get(a, 2)), "data:image/png;base64,iVBORw0KGgo=");
    assert_string_equal(json_string_value(json_array_get(a, 3)), "https://cdn.example.cn/c.webp");
    json_decref(a);
    /* of the wangEditor article */
    a = htmlsafe_images(WANG_OUT, strlen(WANG_OUT));
    assert_int_equal(json_array_size(a), 1);
    assert_string_equal(json_string_value(json_array_get(a, 0)), "/api/v1/media/8f3a/medium.jpg");
    json_decref(a);
    a = htmlsafe_images("<p>无图</p>", strlen("<p>无图</p>"));
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(script_never_survives),
        cmocka_unit_test(event_handler_attributes_are_dropped),
        cmocka_unit_test(javascript_urls_in_any_case_or_with_tabs_are_dropped),
        cmocka_unit_test(svg_data_images_are_dropped),
        cmocka_unit_test(wangeditor_output_survives_unchanged),
        cmocka_unit_test(nested_unknown_elements_are_unwrapped_keeping_text),
        cmocka_unit_test(cleaning_twice_changes_nothing),
        cmocka_unit_test(deep_nesting_does_not_overflow),
        cmocka_unit_test(pathological_markup_is_refused_or_bounded),
        cmocka_unit_test(invalid_utf8_is_refused_with_a_reason),
        cmocka_unit_test(text_extraction_separates_blocks_with_newlines_and_decodes_entities),
        cmocka_unit_test(chinese_text_is_kept_byte_for_byte),
        cmocka_unit_test(images_lists_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
