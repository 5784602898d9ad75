// Offline schema check of Kubernetes manifests (the output of `kubectl kustomize`), no cluster needed:
//
//   node deploy/validate/validate-k8s.mjs NAME=FILE [NAME=FILE ...]     (FILE: multi-document YAML; "-" reads stdin)
//   node deploy/validate/validate-k8s.mjs --self-test                   (proves both checks reject what they should)
//
// Every object of a built-in API group is checked twice against kubernetes-models, which is generated from the
// Kubernetes OpenAPI schema (Kubernetes 1.27 for kubernetes-models 5.1):
//   1. its JSON-schema validator (types, required fields, enums, formats such as int32), and
//   2. the TypeScript type of its kind, compiled with excess-property checks, so an unknown or misspelt field
//      (`imagee`, `readinessProbes`) fails too, which the OpenAPI schema alone allows.
// Objects of other groups (custom resources such as RabbitmqCluster) have no schema here: they are listed as skipped.
// Exit code 0 only when every built-in object passes both checks.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import yaml from "js-yaml";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const modelsRoot = join(here, "node_modules", "kubernetes-models");

// API groups kubernetes-models covers (the folders it ships); anything else is a custom resource.
const builtInGroups = new Set(["", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
  "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io", "coordination.k8s.io",
  "discovery.k8s.io", "events.k8s.io", "flowcontrol.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "policy",
  "rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io"]);

function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return { group, module: group === "" ? `${version}/${kind}` : `${group}/${version}/${kind}` };
}

function describe(doc) {
  return `${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
}

/** Checks the documents of each named source; returns { checked, skipped, errors } with errors as strings. */
export async function validateSources(sources) {
  const errors = [];
  const skipped = [];
  const typed = []; // { source, doc, module, kind } for the TypeScript pass
  for (const { name, text } of sources) {
    let docs;
    try {
      docs = yaml.loadAll(text).filter((d) => d !== null && d !== undefined);
    } catch (e) {
      errors.push(`${name}: not YAML: ${e.message}`);
      continue;
    }
    for (const doc of docs) {
      if (typeof doc !== "object" || typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
        errors.push(`${name}: ${describe(doc)}: an object needs apiVersion and kind`);
        continue;
      }
      const { group, module } = modelPath(doc.apiVersion, doc.kind);
      if (!builtInGroups.has(group)) {
        skipped.push(`${name}: ${describe(doc)} (${doc.apiVersion}, custom resource)`);
        continue;
      }
      let model;
      try {
        model = await import(pathToFileURL(join(modelsRoot, `${module}.js`)).href);
      } catch {
        errors.push(`${name}: ${describe(doc)}: ${doc.apiVersion} has no kind ${doc.kind}`);
        continue;
      }
      try {
        new model[doc.kind](doc).validate();
      } catch (e) {
        errors.push(`${name}: ${describe(doc)}: ${e.message}`);
      }
      typed.push({ name, doc, module, kind: doc.kind });
    }
  }
  errors.push(...typeCheck(typed));
  return { checked: typed.length, skipped, errors };
}

/** Compiles `const x: I<Kind> = <object>` for every object; an unknown field is an excess-property error. */
function typeCheck(typed) {
  if (typed.length === 0) {
    return [];
  }
  const lines = [];
  const owners = []; // line index -> object description
  typed.forEach(({ name, doc, module, kind }, i) => {
    lines.push(`import type { I${kind} as T${i} } from "kubernetes-models/${module}";`);
    owners.push(`${name}: ${describe(doc)}`);
  });
  typed.forEach(({ name, doc }, i) => {
    const body = `export const o${i}: T${i} = ${JSON.stringify(doc, null, 1)};`.split("\n");
    for (const line of body) {
      lines.push(line);
      owners.push(`${name}: ${describe(doc)}`);
    }
  });
  const fileName = join(here, "__manifests.ts");
  const source = lines.join("\n");
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === fileName ? source : readFile(f));
  host.fileExists = ((exists) => (f) => f === fileName || exists(f))(host.fileExists.bind(host));
  host.getSourceFile = (f, language, ...rest) =>
    f === fileName ? ts.createSourceFile(f, source, language, true) : getSourceFile(f, language, ...rest);
  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file?.fileName !== fileName || d.start === undefined) {
      return `type check: ${message}`;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${owners[line] ?? "?"}: ${message}`;
  });
}

async function selfTest() {
  const good = `apiVersion: v1
kind: Service
metadata: { name: ok }
spec: { ports: [{ port: 80 }] }
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: custom }
`;
  const wrongType = "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: bad }\nspec: { replicas: two, selector: {}, template: {} }\n";
  const unknownField = "apiVersion: v1\nkind: Pod\nmetadata: { name: bad }\nspec: { containers: [{ name: a, imagee: x }] }\n";
  const unknownKind = "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: bad }\n";
  const cases = [
    { name: "valid", text: good, expectErrors: 0, expectSkipped: 1 },
    { name: "wrong-type", text: wrongType, expectErrors: 1 },
    { name: "unknown-field", text: unknownField, expectErrors: 1 },
    { name: "unknown-kind", text: unknownKind, expectErrors: 1 },
  ];
  let ok = true;
  for (const c of cases) {
    const result = await validateSources([{ name: c.name, text: c.text }]);
    const errorsOk = c.expectErrors === 0 ? result.errors.length === 0 : result.errors.length >= c.expectErrors;
    const skippedOk = c.expectSkipped === undefined || result.skipped.length === c.expectSkipped;
    if (!errorsOk || !skippedOk) {
      ok = false;
      console.error(`self-test ${c.name}: unexpected result ${JSON.stringify(result)}`);
    }
  }
  console.log(ok ? "k8s schema self-test: a wrong type, an unknown field and an unknown kind are rejected; a valid object passes"
    : "k8s schema self-test FAILED");
  return ok;
}

async function main(args) {
  if (args[0] === "--self-test") {
    return (await selfTest()) ? 0 : 1;
  }
  if (args.length === 0) {
    console.error("usage: validate-k8s.mjs NAME=FILE [NAME=FILE ...] | --self-test");
    return 2;
  }
  const sources = args.map((arg) => {
    const eq = arg.indexOf("=");
    const [name, file] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, arg];
    return { name, text: readFileSync(file === "-" ? 0 : file, "utf8") };
  });
  const { checked, skipped, errors } = await validateSources(sources);
  for (const s of skipped) {
    console.log(`skipped (no schema here): ${s}`);
  }
  for (const e of errors) {
    console.error(`INVALID ${e}`);
  }
  console.log(`k8s schema: ${checked} objects checked, ${errors.length} errors, ${skipped.length} custom resources skipped`);
  return errors.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
