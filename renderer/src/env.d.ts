// Lets TypeScript accept Vite's asset imports (e.g. `import './styles.css'`).
/// <reference types="vite/client" />
