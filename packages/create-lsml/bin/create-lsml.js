#!/usr/bin/env node
// npm create lsml@latest my-backend [-- --template text-classifier --adapter onnx]
// The same code as `npx lsml create`, from @lsml/core's templates.
import { runCreateLsml } from '@lsml/core/create';

await runCreateLsml(process.argv);
