// The subset of Electron's API that Witness uses (electron/main): the tray icon, its menu,
// images and OS notifications. Hand-written, not vendored: signatures follow Electron's
// documented API for the version in build/electron-version.ts
// (https://www.electronjs.org/docs/latest/api/tray, .../menu, .../menu-item,
// .../native-image, .../notification), declaring only the members the code uses, so a
// call outside them fails to typecheck until its declaration is added (docs/desktop.md).

/// <reference types="node" />

declare module 'electron' {
  import { EventEmitter } from 'node:events';

  export class Tray extends EventEmitter {
    constructor(image: NativeImage | string);
    /** What a click on the icon means differs per desktop (none on some Linux ones). */
    on(event: 'click', listener: (event: KeyboardEvent, bounds: Rectangle, position: Point) => void): this;
    destroy(): void;
    /** Some Linux desktops only pick up menu changes through this call. */
    setContextMenu(menu: Menu | null): void;
    setImage(image: NativeImage | string): void;
    setToolTip(toolTip: string): void;
  }

  export class Menu extends EventEmitter {
    static buildFromTemplate(template: Array<MenuItemConstructorOptions | MenuItem>): Menu;
  }

  export interface MenuItemConstructorOptions {
    click?: (menuItem: MenuItem, window: BaseWindow | undefined, event: KeyboardEvent) => void;
    type?: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio' | 'header' | 'palette';
    label?: string;
    enabled?: boolean;
    checked?: boolean;
  }

  /** A built menu's item (click handlers get it); the fields Witness's options set. */
  export class MenuItem {
    constructor(options: MenuItemConstructorOptions);
    type: 'normal' | 'separator' | 'submenu' | 'checkbox' | 'radio' | 'header' | 'palette';
    label: string;
    enabled: boolean;
    checked: boolean;
  }

  /** Modifier keys held during a click. */
  export interface KeyboardEvent {
    altKey?: boolean;
    ctrlKey?: boolean;
    metaKey?: boolean;
    shiftKey?: boolean;
    triggeredByAccelerator?: boolean;
  }

  export interface Point {
    x: number;
    y: number;
  }

  export class NativeImage {
    /** An empty image when the file is missing or unreadable (never throws). */
    static createFromPath(path: string): NativeImage;
    isEmpty(): boolean;
    /** macOS: drawn in the menu bar's own colors. */
    isTemplateImage: boolean;
  }

  export class Notification extends EventEmitter {
    constructor(options?: NotificationConstructorOptions);
    static isSupported(): boolean;
    on(event: 'click', listener: (event: Event) => void): this;
    show(): void;
  }

  export interface NotificationConstructorOptions {
    title?: string;
    body?: string;
    icon?: string | NativeImage;
    /** Linux: how urgent the desktop shows it. */
    urgency?: 'normal' | 'critical' | 'low';
  }

  export const nativeImage: typeof NativeImage;
}
