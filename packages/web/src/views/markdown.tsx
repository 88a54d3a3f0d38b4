import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

// Links in user-written markdown open in a new tab and cannot reach back into the app's window.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/**
 * Markdown (GitHub flavour) as sanitised HTML: DOMPurify drops scripts, event handlers, `javascript:`
 * URLs, iframes, forms and styles, so descriptions written by anyone can be shown safely.
 */
export function markdownToHtml(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true, breaks: false });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
    FORBID_ATTR: ['style'],
  });
}

/** Rendered markdown. */
export function Markdown({ source, testId }: { source: string; testId?: string }) {
  const html = useMemo(() => markdownToHtml(source), [source]);
  return <div className="markdown" data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
