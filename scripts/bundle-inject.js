// Injected into every bundle by scripts/bundle.js (esbuild `inject`): the free identifier
// BUNDLED_PRECOMPILED_VALIDATORS in tools/validate/schema.ts becomes this export, so the gate's
// precompiled validators are part of the bundle (compiled once, kept in its code cache) instead of a
// second module loaded from schemas/ at run time. Under tsc output and ts-jest the identifier stays
// undefined and the gate loads them from the schemas folder.
export const BUNDLED_PRECOMPILED_VALIDATORS = require('../schemas/validators.generated.js');
