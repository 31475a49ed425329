import { render } from 'preact';
import { App } from './app.js';
import './styles/theme.css';
import './styles/layout.css';
import './styles/trace.css';
import './styles/lists.css';
import './styles/compare.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
