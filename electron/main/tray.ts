/**
 * The tray icon and its menu, drawn from the pure tray model. Menus are rebuilt on every
 * change (some desktops only pick up changes through setContextMenu) and every action is
 * in the menu: a click on the icon itself means different things per desktop.
 */
import { join } from 'node:path';
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron';
import type { MenuItemModel, TrayAction, TrayModel } from '../core/index.js';

export type TrayActions = Record<TrayAction, () => void>;

export class TrayIcon {
  private readonly tray: Tray;
  private icon = '';

  constructor(
    private readonly iconDir: string,
    private readonly actions: TrayActions,
    private readonly platform: NodeJS.Platform,
    first: TrayModel,
  ) {
    this.tray = new Tray(this.image(first.icon));
    this.icon = first.icon;
    // Windows users expect a click to open the app; elsewhere the menu is the way in.
    if (platform === 'win32') this.tray.on('click', () => actions['open-window']());
    this.update(first);
  }

  update(model: TrayModel): void {
    if (model.icon !== this.icon) {
      this.tray.setImage(this.image(model.icon));
      this.icon = model.icon;
    }
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(model.items.map((i) => this.item(i))));
  }

  destroy(): void {
    this.tray.destroy();
  }

  private item(i: MenuItemModel): MenuItemConstructorOptions {
    switch (i.kind) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: i.label, enabled: false };
      case 'action':
        return { label: i.label, enabled: i.enabled, click: () => this.actions[i.id]() };
      case 'checkbox':
        return { type: 'checkbox', label: i.label, checked: i.checked, enabled: i.enabled, click: () => this.actions[i.id]() };
    }
  }

  /** macOS menu bars want monochrome template images; elsewhere the colored ones. */
  private image(name: string) {
    const file = this.platform === 'darwin' ? `${name}Template.png` : `${name}.png`;
    return nativeImage.createFromPath(join(this.iconDir, file));
  }
}
