// Who and where: the local OS user and this installation's device id.
export { osUser } from './os-user.js';
export { deviceId } from './device.js';
