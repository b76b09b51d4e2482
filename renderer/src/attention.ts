/**
 * Getting a person's attention when a call is held and only a browser tab is open (the
 * desktop shell has its tray and popups): the tab title and the favicon carry the number
 * waiting, and a browser notification (permission asked once) opens the popup route.
 */
import { useEffect, useRef } from 'react';
import type { ApprovalView } from './api.js';
import { desktop } from './desktop.js';

const TITLE = 'Witness';
const ASKED = 'witness.notifications.asked';

/** The favicon: the Witness mark, with a red badge and the count when something waits. */
function favicon(count: number): string {
  const c = document.createElement('canvas');
  c.width = c.height = 64;
  const g = c.getContext('2d');
  if (!g) return '';
  g.fillStyle = '#3b5bdb';
  g.beginPath();
  g.arc(32, 32, 26, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#fff';
  g.beginPath();
  g.arc(32, 32, 11, 0, Math.PI * 2);
  g.fill();
  if (count > 0) {
    g.fillStyle = '#d92d20';
    g.beginPath();
    g.arc(44, 20, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#fff';
    g.font = 'bold 28px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(count > 9 ? '9+' : String(count), 44, 21);
  }
  return c.toDataURL('image/png');
}

function setFavicon(href: string, count: number) {
  let el = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!el) {
    el = document.createElement('link');
    el.rel = 'icon';
    document.head.appendChild(el);
  }
  el.href = href;
  el.dataset['count'] = String(count);
}

export function useAttention(approvals: readonly ApprovalView[]) {
  const count = approvals.length;
  useEffect(() => {
    document.title = count > 0 ? `(${count}) ${count === 1 ? 'approval' : 'approvals'} waiting · ${TITLE}` : TITLE;
    setFavicon(favicon(count), count);
  }, [count]);

  // One notification per new hold while this tab is open (the desktop shell notifies itself).
  const seen = useRef(new Set<string>());
  useEffect(() => {
    if (desktop || typeof Notification === 'undefined') return;
    const fresh = approvals.filter((a) => !seen.current.has(a.id));
    for (const a of approvals) seen.current.add(a.id);
    if (fresh.length === 0) return;
    const notify = () => {
      for (const a of fresh) {
        const what = a.operation.commands[0] ?? a.operation.paths[0]?.path ?? a.tool;
        const n = new Notification(`Witness: ${a.tool} waits for your approval`, { body: what, tag: `witness-approval-${a.id}` });
        n.onclick = () => {
          window.focus();
          location.hash = `#/approval/${a.id}`;
          n.close();
        };
      }
    };
    if (Notification.permission === 'granted') notify();
    else if (Notification.permission === 'default' && !localStorage.getItem(ASKED)) {
      // Asked once, when it first matters; the answer is the browser's to remember.
      localStorage.setItem(ASKED, new Date().toISOString());
      void Notification.requestPermission().then((p) => p === 'granted' && notify());
    }
  }, [approvals]);
}
