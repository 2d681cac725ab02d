// Fresh-process half of the backend-selection tests: initialise with defaults and print the choice.
import { initTfjs } from './platform.js';

const runtime = await initTfjs();
process.stdout.write(JSON.stringify(runtime));
