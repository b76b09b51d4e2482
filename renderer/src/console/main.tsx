import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Console } from './Console.js';
import '../styles.css';
import './console.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Console />
  </StrictMode>,
);
