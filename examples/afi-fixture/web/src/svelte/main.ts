import { mount } from 'svelte';
import App from './App.svelte';
import '../styles.css';

const target = document.getElementById('root');
if (!target) throw new Error('index.html has no #root');
mount(App, { target });
