// The text people write (stories, what works, actions) becomes HTML here and nowhere else. Markdown-it with raw HTML
// off, and only paragraphs, lists, emphasis and links switched on: what a story behind the curve needs, and nothing
// that could break the page around it. Whatever a user types, the output is HTML we built.
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt('zero', { html: false, linkify: false, breaks: true, typographer: false }).enable([
  'list',
  'emphasis',
  'link',
  'newline',
  'escape',
  'entity',
]);

const CLASSES: Record<string, string> = {
  paragraph_open: 'govuk-body',
  bullet_list_open: 'govuk-list govuk-list--bullet',
  ordered_list_open: 'govuk-list govuk-list--number',
  link_open: 'govuk-link',
};

// GOV.UK classes on the elements, and links that cannot reach back into the page that opened them.
markdown.core.ruler.push('ttc_classes', (state) => {
  const visit = (tokens: typeof state.tokens) => {
    for (const token of tokens) {
      const cls = CLASSES[token.type];
      if (cls) token.attrSet('class', cls);
      if (token.type === 'link_open') token.attrSet('rel', 'noopener noreferrer');
      if (token.children) visit(token.children);
    }
  };
  visit(state.tokens);
  return true;
});

/** Safe HTML for text a person wrote: paragraphs, lists, emphasis and http(s)/mailto links. */
export function renderText(text: string | null | undefined): string {
  if (!text || !text.trim()) return '';
  return markdown.render(text);
}
