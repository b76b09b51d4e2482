/** Electron main entry: starts the shell. Nothing else lives here. */
import { startShell } from './shell.js';

void startShell();
