/** The console's views, one file each (registered in ../views.ts). */
export { Events } from './Events.js';
export { Exports } from './Exports.js';
export { Fleet } from './Fleet.js';
export { Policy } from './Policy.js';
export { Search } from './Search.js';
export { Reviews } from './Reviews.js';
