/**
 * An element's text, written as React writes it: into its one text node's `nodeValue` where it has one
 * (a character-data change), else through `textContent` (which replaces the children with a new text
 * node). Skipped when equal.
 */
export function setText(element: Element, text: string): void {
  const node = element.firstChild;
  if (node !== null && node === element.lastChild && node.nodeType === Node.TEXT_NODE) {
    if (node.nodeValue !== text) node.nodeValue = text;
  } else if (element.textContent !== text) {
    element.textContent = text;
  }
}
