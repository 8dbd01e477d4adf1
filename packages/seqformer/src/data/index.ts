/** Data mapping from loader samples to SeqFormer inputs and targets. */
export { clipTarget, clipToInput, type TrainClip } from './clip-input.js';
