// Entry point of the web app.
const root = document.getElementById('app');
if (root !== null) root.textContent = 'Cloister';
