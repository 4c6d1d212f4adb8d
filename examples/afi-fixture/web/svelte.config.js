// Read by vite-plugin-svelte and svelte-check. Svelte 5 reads
// `<script lang="ts">` itself: no preprocessor.
export default {};
