// Validates custom resources against the models @kubernetes-models generates from the CRDs of
// KEDA and the Prometheus Operator. Usage: node validate_crds.mjs <models dir> < manifests.json
// (a JSON array); prints one line per resource and exits 1 when any is invalid or unknown.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const root = join(process.argv[2], "node_modules", "@kubernetes-models");
const models = {
  "keda.sh/v1alpha1/ScaledObject": ["keda", "keda.sh/v1alpha1/ScaledObject.js"],
  "keda.sh/v1alpha1/TriggerAuthentication": ["keda", "keda.sh/v1alpha1/TriggerAuthentication.js"],
  "monitoring.coreos.com/v1/ServiceMonitor": [
    "prometheus-operator",
    "monitoring.coreos.com/v1/ServiceMonitor.js",
  ],
};

const manifests = JSON.parse(readFileSync(0, "utf8"));
let failed = false;
for (const manifest of manifests) {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const name = manifest.metadata?.name ?? "?";
  const model = models[key];
  if (!model) {
    console.log(`UNKNOWN ${key} ${name}: no model to validate it against`);
    failed = true;
    continue;
  }
  const module = await import(pathToFileURL(join(root, model[0], model[1])).href);
  const Model = module[manifest.kind];
  try {
    new Model(manifest).validate();
    console.log(`ok ${key} ${name}`);
  } catch (error) {
    console.log(`INVALID ${key} ${name}: ${error.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
