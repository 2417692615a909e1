// What a person can see of the page: its visible text, or that of every match of the answer selector. The
// probe judges the rendered answer on this text, so "visible" means visible to a person, not present in the
// DOM: hidden nodes, text clipped to nothing by an ancestor (a collapsed panel, a 1x1 screen-reader-only box)
// and text placed outside the page's scrollable area never count.

import type { Page } from '@playwright/test';
import { evaluateWithin } from './page-health';

/** `the page`, or the answer selector: where the probe reads what a person sees. */
export function answerScope(selector: string | undefined): string {
  return selector ?? 'the page';
}

/**
 * The visible text, bounded by `timeoutMs` (a page that does not answer by then throws PageUnresponsive).
 * Null when the page could not be read (closed, navigating).
 */
export async function visibleText(page: Page, selector: string | undefined, timeoutMs: number): Promise<string | null> {
  return evaluateWithin(page, readVisibleText, selector ?? null, timeoutMs, 'reading the visible text');
}

/**
 * Runs in the page, serialized by Playwright: it must not reference anything outside its own body.
 * A text node counts when its element is shown by CSS (not display:none, visibility:hidden, opacity 0, no box)
 * and some part of it at least MIN_PX square is left once clipped by every ancestor that clips (overflow
 * hidden or clip, `clip: rect(...)`, `clip-path: inset(...)`) and by the page's scrollable area. Scroll
 * containers do not clip along the axis they scroll: their content can be scrolled into view.
 */
export function readVisibleText(selector: string | null): string {
  const MIN_PX = 2;
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'TITLE']);
  type Box = { left: number; top: number; right: number; bottom: number };
  const sx = window.scrollX;
  const sy = window.scrollY;
  const root = document.documentElement;
  // The page's scrollable area, in page coordinates: what can be brought into the viewport.
  const pageBox: Box = { left: 0, top: 0, right: Math.max(root.scrollWidth, window.innerWidth), bottom: Math.max(root.scrollHeight, window.innerHeight) };
  const toPage = (r: DOMRect | Box): Box => ({ left: r.left + sx, top: r.top + sy, right: r.right + sx, bottom: r.bottom + sy });
  const intersect = (a: Box, b: Box): Box => ({ left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) });
  const bigEnough = (b: Box) => b.right - b.left >= MIN_PX && b.bottom - b.top >= MIN_PX;

  const shownCache = new Map<Element, boolean>();
  const shown = (el: Element): boolean => {
    const known = shownCache.get(el);
    if (known !== undefined) return known;
    const style = getComputedStyle(el);
    // An element with display: contents has no box of its own: its parent's tells.
    if (style.display === 'contents' && el.parentElement !== null && style.visibility === 'visible') return shown(el.parentElement);
    const rect = el.getBoundingClientRect();
    const check = (el as Element & { checkVisibility?: (o: object) => boolean }).checkVisibility;
    const result =
      !SKIP.has(el.tagName) &&
      el.getClientRects().length > 0 &&
      rect.width > 0 &&
      rect.height > 0 &&
      (check ? check.call(el, { checkOpacity: true, checkVisibilityCSS: true }) : style.visibility === 'visible' && style.opacity !== '0');
    shownCache.set(el, result);
    return result;
  };

  /** The box an element lets its content show in (page coordinates), or null when it does not clip. */
  const ownClip = (el: Element): Box | null => {
    const style = getComputedStyle(el);
    const border = toPage(el.getBoundingClientRect());
    let clip: Box | null = null;
    const clips = (v: string) => v === 'hidden' || v === 'clip';
    if (clips(style.overflowX) || clips(style.overflowY)) {
      clip = {
        left: clips(style.overflowX) ? border.left : -Infinity,
        right: clips(style.overflowX) ? border.right : Infinity,
        top: clips(style.overflowY) ? border.top : -Infinity,
        bottom: clips(style.overflowY) ? border.bottom : Infinity,
      };
    }
    // `clip: rect(top, right, bottom, left)` of an absolutely placed element, relative to its border box.
    const rect = /^rect\(\s*(-?[\d.]+)px,?\s*(-?[\d.]+)px,?\s*(-?[\d.]+)px,?\s*(-?[\d.]+)px\s*\)$/.exec(style.clip);
    if (rect && (style.position === 'absolute' || style.position === 'fixed')) {
      const [top, right, bottom, left] = rect.slice(1).map(Number) as [number, number, number, number];
      const box = { left: border.left + left, top: border.top + top, right: border.left + right, bottom: border.top + bottom };
      clip = clip ? intersect(clip, box) : box;
    }
    // `clip-path: inset(...)`: the usual way to hide a box; other shapes are taken as not clipping.
    const inset = /^inset\(([^)]*)\)$/.exec(style.clipPath);
    if (inset) {
      const parts = inset[1]!.split(/\s+round\s+/)[0]!.trim().split(/\s+/);
      const [t = '0', r = t, b = t, l = r] = parts;
      const len = (v: string, size: number) => (v.endsWith('%') ? (parseFloat(v) / 100) * size : parseFloat(v) || 0);
      const w = border.right - border.left;
      const h = border.bottom - border.top;
      const box = { left: border.left + len(l, w), top: border.top + len(t, h), right: border.right - len(r, w), bottom: border.bottom - len(b, h) };
      clip = clip ? intersect(clip, box) : box;
    }
    return clip;
  };

  /**
   * Where an element's content can show: the page's area cut by the element's own clip and its ancestors'. A
   * scroll container (overflow auto or scroll) lets all of its content be scrolled into its box: along a
   * scrolling axis its content is not clipped, as long as its own box shows (an app shell that hides its
   * overflow around a scrolled message list does not hide the messages above the fold).
   */
  const areaCache = new Map<Element, Box>();
  const areaOf = (el: Element | null): Box => {
    if (el === null) return pageBox;
    const known = areaCache.get(el);
    if (known !== undefined) return known;
    const parentArea = areaOf(el.parentElement);
    const style = getComputedStyle(el);
    const scrolls = (v: string) => v === 'auto' || v === 'scroll';
    let area: Box;
    if (scrolls(style.overflowX) || scrolls(style.overflowY)) {
      const own = intersect(parentArea, toPage(el.getBoundingClientRect()));
      const clip = ownClip(el);
      area = !bigEnough(own)
        ? own
        : {
            left: scrolls(style.overflowX) ? -Infinity : (clip ? intersect(parentArea, clip) : parentArea).left,
            right: scrolls(style.overflowX) ? Infinity : (clip ? intersect(parentArea, clip) : parentArea).right,
            top: scrolls(style.overflowY) ? -Infinity : (clip ? intersect(parentArea, clip) : parentArea).top,
            bottom: scrolls(style.overflowY) ? Infinity : (clip ? intersect(parentArea, clip) : parentArea).bottom,
          };
    } else {
      const clip = ownClip(el);
      area = clip ? intersect(parentArea, clip) : parentArea;
    }
    areaCache.set(el, area);
    return area;
  };

  const range = document.createRange();
  const textShows = (node: Text, parent: Element): boolean => {
    const area = areaOf(parent);
    if (!bigEnough(area)) return false;
    range.selectNodeContents(node);
    for (const r of Array.from(range.getClientRects())) if (bigEnough(intersect(toPage(r), area))) return true;
    return false;
  };

  const roots: Element[] = selector === null ? [document.body] : Array.from(document.querySelectorAll(selector));
  const parts: string[] = [];
  for (const top of roots) {
    if (!top || !shown(top)) continue;
    const walker = document.createTreeWalker(top, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = node.nodeValue ?? '';
      if (parent !== null && text.trim() !== '' && shown(parent) && textShows(node as Text, parent)) parts.push(text);
    }
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}
