// Read by vite-plugin-svelte, svelte-check and svelte-package. Svelte 5 reads
// `<script lang="ts">` itself: no preprocessor.
export default {};
