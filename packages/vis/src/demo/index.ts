export { makeDemoData, demoVideoName, DEMO_CATEGORIES } from './generate.js';
export type { DemoDataOptions, DemoDataResult, DemoSplitInfo } from './generate.js';
export { planScene, DEMO_SHAPES, hsvToRgb } from './scene.js';
export type { DemoScene, DemoObject, DemoShape, DemoTexture, DemoSceneSize, Rgb } from './scene.js';
export { renderFrame, objectPose } from './render.js';
export type { RenderedFrame } from './render.js';
export { buildVideoGt } from './ground-truth.js';
export type { DemoInstanceGt, DemoVideoGt } from './ground-truth.js';
