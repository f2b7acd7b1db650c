// `npm run licences`: fails when a production dependency's licence is neither on the allow-list
// (scripts/licence-check.ts) nor covered by a recorded decision (config/licence-exceptions.yaml).
// Reads package-lock.json, so it checks every platform's packages, not only the ones installed here.
import { fileURLToPath } from "node:url";
import { judge, loadExceptions, productionDependencies, unusedExceptions } from "./licence-check.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const exceptionsFile = fileURLToPath(new URL("../config/licence-exceptions.yaml", import.meta.url));

const exceptions = loadExceptions(exceptionsFile);
const verdicts = productionDependencies(root).map((d) => judge(d, exceptions));

const byLicence = new Map<string, number>();
for (const { dependency } of verdicts) {
  const licence = dependency.licence ?? "(none)";
  byLicence.set(licence, (byLicence.get(licence) ?? 0) + 1);
}
console.log(`licences of ${verdicts.length} production packages (package-lock.json, all platforms):`);
for (const [licence, count] of [...byLicence].sort((a, b) => b[1] - a[1])) console.log(`  ${count}\t${licence}`);

const decided = verdicts.filter((v) => v.ok && v.exception);
if (decided.length) {
  console.log("accepted by a recorded decision (config/licence-exceptions.yaml):");
  for (const { dependency: d, exception } of decided) {
    console.log(`  ${d.name}@${d.version}\t${d.licence}${d.optional ? "\t(optional, per platform)" : ""}`);
    if (exception && decided.find((v) => v.exception === exception)?.dependency === d) {
      console.log(`    why: ${exception.reason.replace(/\s+/g, " ").trim()}`);
    }
  }
}
for (const unused of unusedExceptions(verdicts, exceptions)) {
  console.log(`note: the exception for ${unused.packages.join(", ")} matches nothing any more; remove it`);
}

const failures = verdicts.filter((v) => !v.ok);
if (failures.length) {
  console.error(`\n${failures.length} production package(s) with a licence that needs a decision:`);
  for (const { dependency: d, problem } of failures) console.error(`  ${d.name}@${d.version} (${d.path}): ${problem}`);
  console.error(
    "Replace the dependency, or record the decision with its reason in config/licence-exceptions.yaml " +
      "(the rule is explained in scripts/licence-check.ts).",
  );
  process.exitCode = 1;
} else {
  console.log("licences: ok");
}
