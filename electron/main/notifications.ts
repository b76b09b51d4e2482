/**
 * The OS notification for a new held tool call (alongside its popup), with text from
 * core/notification-text.ts. Clicking it brings the popup (or the window) forward. And a
 * plain one for a tray action that failed (the menu has no other place to say so).
 */
import { Notification } from 'electron';
import type { ApprovalView } from '../../proxy/control/index.js';
import { approvalNotification } from '../core/index.js';

export function notifyApproval(a: ApprovalView, icon: string | undefined, onClick: () => void, now = Date.now()): void {
  if (!Notification.isSupported()) return;
  const text = approvalNotification(a, now);
  const n = new Notification({ title: text.title, body: text.body, urgency: 'critical', ...(icon ? { icon } : {}) });
  n.on('click', onClick);
  n.show();
}

export function notifyText(title: string, body: string): void {
  if (!Notification.isSupported()) return;
  new Notification({ title, body }).show();
}
