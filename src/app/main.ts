/** App entry point: page styles and the custom elements. */
import './global.css';
import { defineElements } from './define';

defineElements();
