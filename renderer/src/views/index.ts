/** The window's views: one per tab, plus the compact approval popup. */
export { Approvals } from './Approvals.js';
export { Live } from './Live.js';
export { Popup } from './Popup.js';
export { Search } from './Search.js';
export { Setup } from './Setup.js';
