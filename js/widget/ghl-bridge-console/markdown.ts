/**
 * A small Markdown renderer for the weekly report, safe by construction: it builds Lit
 * templates, so every piece of text is a text node (no `innerHTML`, no raw HTML ever),
 * and only http(s) links become links. It knows what the core's reports use: headings,
 * paragraphs, lists, tables, **bold**, *italic*, `code` and [links](https://...).
 */
import { type TemplateResult, html, nothing } from "lit";

type Inline = TemplateResult | string;

const INLINE =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\*\*([^*]+)\*\*|\*([^*]+)\*|_([^_]+)_|\[([^\]]+)\]\(([^)\s]+)\)|\\([\\`*_[\]()#+\-.!|>~])/;

/** Inline Markdown of one line as templates (text stays text). */
export function inline(text: string): Inline[] {
  const out: Inline[] = [];
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    if (m[1]) out.push(html`<code>${m[2]}</code>`);
    else if (m[3] !== undefined) out.push(html`<strong>${inline(m[3])}</strong>`);
    else if (m[4] !== undefined) out.push(html`<em>${inline(m[4])}</em>`);
    else if (m[5] !== undefined) out.push(html`<em>${inline(m[5])}</em>`);
    else if (m[6] !== undefined) {
      const href = m[7];
      out.push(
        /^https?:\/\//i.test(href)
          ? html`<a href=${href} target="_blank" rel="noopener noreferrer">${inline(m[6])}</a>`
          : m[6],
      );
    } else if (m[8] !== undefined) out.push(m[8]);
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

function cells(line: string): string[] {
  const t = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < t.length; i++) {
    if (t[i] === "\\" && i + 1 < t.length) {
      cur += t[i] + t[i + 1];
      i++;
    } else if (t[i] === "|") {
      out.push(cur.trim());
      cur = "";
    } else cur += t[i];
  }
  out.push(cur.trim());
  return out;
}

/** Block Markdown as a template. */
export function markdown(source: string): TemplateResult {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: TemplateResult[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      // Report headings sit under the panel's own heading levels.
      const level = Math.min(6, h[1].length + 2);
      const content = inline(h[2]);
      blocks.push(
        level === 3
          ? html`<h3>${content}</h3>`
          : level === 4
            ? html`<h4>${content}</h4>`
            : level === 5
              ? html`<h5>${content}</h5>`
              : html`<h6>${content}</h6>`,
      );
      i++;
      continue;
    }
    if (/^\s*\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1])) {
      const head = cells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && /^\s*\|/.test(lines[i])) rows.push(cells(lines[i++]));
      blocks.push(html`<div class="scroll" tabindex="0" role="region" aria-label="Report table"><table>
        <thead><tr>${head.map((c) => html`<th scope="col">${inline(c)}</th>`)}</tr></thead>
        <tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${inline(c)}</td>`)}</tr>`)}</tbody>
      </table></div>`);
      continue;
    }
    if (/^\s*([-*+]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: Inline[][] = [];
      while (i < lines.length && /^\s*([-*+]|\d+\.)\s+/.test(lines[i])) {
        items.push(inline(lines[i].replace(/^\s*([-*+]|\d+\.)\s+/, "")));
        i++;
      }
      const lis = items.map((it) => html`<li>${it}</li>`);
      blocks.push(ordered ? html`<ol>${lis}</ol>` : html`<ul>${lis}</ul>`);
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^(#{1,6})\s|^\s*\||^\s*([-*+]|\d+\.)\s+/.test(lines[i])
    ) {
      para.push(lines[i].trim());
      i++;
    }
    if (para.length === 0) {
      blocks.push(html`<p>${inline(lines[i])}</p>`);
      i++;
    } else blocks.push(html`<p>${inline(para.join(" "))}</p>`);
  }
  return html`${blocks.length ? blocks : nothing}`;
}
