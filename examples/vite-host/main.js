// The bundler way: the elements from `memory-r1-web/element`, the headless API from `memory-r1-web`.
import 'memory-r1-web/element';

const chat = document.querySelector('memory-r1-chat');
chat.addEventListener('mr-answer', (event) => {
  document.getElementById('last-answer').textContent = `Last answer: ${event.detail.text}`;
});
chat.addEventListener('mr-error', (event) => console.error(event.detail.code, event.detail.message));
