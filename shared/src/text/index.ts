export { displayWidth, padEndToWidth, padStartToWidth } from './display-width.js';
