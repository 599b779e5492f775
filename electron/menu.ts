/**
 * The application menu: the standard roles, nothing app-specific yet.
 *
 * @public
 */
import { Menu, type MenuItemConstructorOptions } from 'electron';

/** Installs the menu. @public */
export function setupMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
