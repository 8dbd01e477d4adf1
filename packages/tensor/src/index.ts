export { TensorError } from './errors.js';
export {
  AUTO_ORDER,
  BACKEND_CHOICES,
  getEngineInfo,
  initEngine,
  parseBackendChoice,
  type BackendChoice,
  type BackendRejection,
  type EngineBackend,
  type EngineInfo,
  type EngineOptions,
} from './backend/select.js';
export { BACKEND_PACKAGES } from './backend/candidates.js';
export * from './checkpoint/index.js';
export { registerTensorExtensions, type TensorExtensions } from './backend/extensions.js';
export { MS_DEFORM_ATTN, MS_DEFORM_ATTN_GRAD } from './kernels/shared/MsDeformAttn.js';
export {
  msDeformAttnBackward,
  msDeformAttnForward,
  type FloatArray,
  type MsDeformAttnGeometry,
  type MsDeformAttnGrads,
} from './kernels/shared/ms-deform-attn.js';
