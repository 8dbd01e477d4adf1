/**
 * `@wsovvis/vis/datasets`: the dataset catalog (YouTube-VIS 2019/2021, LV-VIS, demo, user JSON registered at run
 * time), the YouTube-VIS/LV-VIS reader, SeqFormer's training clip mapper (frame sampling, crop / resize / flip,
 * missing instances) and a prefetching loader, plus test-time video loading. Pure: no tfjs; outputs typed arrays.
 */
export * from '../datasets/index.js';
