/** App entry point: page styles, the design tokens and the custom elements. */
import './global.css';
import { defineElements } from './define';
import { tokenStyles } from './tokens.styles';

if (tokenStyles.styleSheet)
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, tokenStyles.styleSheet];
defineElements();
