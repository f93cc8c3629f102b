// `npm ci` runs this (postinstall): prepares the demo database image so that the first `npm start` is fast. It never
// fails the install: without an image the first start builds the demo itself, as before, only slower.
import { buildDemoImage, readDemoImage } from './demo-image.ts';

const started = performance.now();
try {
  if (readDemoImage()) {
    console.log('The demo database image is up to date.');
  } else {
    const { bytes } = await buildDemoImage();
    console.log(`Prepared the demo database image (${(bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s, for a fast first start.`);
  }
} catch (error) {
  console.warn(`Could not prepare the demo database image (${error instanceof Error ? error.message : String(error)}); the first start will build the demo itself.`);
}
