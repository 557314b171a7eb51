#!/usr/bin/env bash
# The consumer test: does a project of its own, outside the Taipan build, work with nothing but
# the published artifacts? It
#   1. deploys taipan-parent, taipan-core and taipan-dspy (and what they need) from this checkout
#      into a temporary file repository (never into ~/.m2: `mvn install` there would hand every
#      other build on this machine these snapshot jars);
#   2. copies examples/consumer (pom.xml and src/ only) into a clean temporary directory;
#   3. builds and runs it there (`mvn test`) with a generated settings.xml: a temporary local
#      repository, the file repository, and ~/.m2/repository read as a remote cache of third-party
#      artifacts (so nothing is written to it), with Maven Central behind them; and
#      TAIPAN_CACHE_DIR in the temporary directory, so Taipan provisions the Python environment
#      (DSPy included) from nothing;
#   4. checks the output, prints the time and removes the temporary directory.
# It also checks that the consumer asks for the DSPy version the bridge is built for
# (python/pyproject.toml's `dspy` extra) and that README's "Use it in your project" shows
# the consumer's own code.
#
#   examples/consumer/run-test.sh        exit 0 when the consumer built, ran and answered
#
# Environment: TAIPAN_CONSUMER_KEEP=1 keeps the temporary directory (its path is printed);
# pip's own variables (PIP_CACHE_DIR, PIP_INDEX_URL, ...) reach the installer.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$here/../.." && pwd -P)"
say() { echo "consumer test: $*" >&2; }
fail() { echo "consumer test: FAILED: $*" >&2; exit 1; }

started=$SECONDS
tmp="$(mktemp -d "${TMPDIR:-/tmp}/taipan-consumer.XXXXXX")"
cleanup() {
    if [ "${TAIPAN_CONSUMER_KEEP:-0}" = 1 ]; then
        say "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# The project's one version, as every artifact carries it (.mvn/maven.config: -Drevision=...).
version="$(tr ' ' '\n' <"$root/.mvn/maven.config" | sed -n 's/^-Drevision=//p' | head -n 1)"
[ -n "$version" ] || fail "no -Drevision= in .mvn/maven.config"

# What the consumer asks for must be what the bridge is built for.
dspy_requirement="$(sed -n 's/^ *"\(dspy[=<>~!][^";]*\).*/\1/p' "$root/python/pyproject.toml" | head -n 1)"
[ -n "$dspy_requirement" ] || fail "no dspy requirement in the dspy extra of python/pyproject.toml"
grep -qF "\"$dspy_requirement\"" "$here/src/main/java/com/example/consumer/App.java" \
    || fail "python/pyproject.toml's dspy extra says $dspy_requirement; App.java (and README's 'Use it in your project') must require the same"

# README's section shows the consumer's code: every line of its code blocks (less a trailing
# comment) is in the consumer.
grep -q '^## Use it in your project' "$root/README.md" || fail "README.md has no 'Use it in your project' section"
missing="$(awk '/^## Use it in your project/ {on=1; next} on && /^## / {on=0}
        on && /^```/ {block=!block; next} on && block && NF {sub(/^[ \t]+/, ""); sub(/[ \t]+(\/\/|#) .*$/, ""); print}' "$root/README.md" \
    | while IFS= read -r line; do
        grep -rqF -- "$line" "$here/pom.xml" "$here/src" || echo "  $line"
    done)"
[ -z "$missing" ] || fail "README's 'Use it in your project' has lines that are not in examples/consumer:
$missing"

m2_cache="$HOME/.m2/repository"
cat >"$tmp/settings.xml" <<EOF
<settings>
  <localRepository>$tmp/m2</localRepository>
  <profiles>
    <profile>
      <id>consumer-test</id>
      <repositories>
        <repository>
          <id>taipan-under-test</id>
          <url>file://$tmp/repo</url>
          <releases><enabled>false</enabled></releases>
          <snapshots><enabled>true</enabled><updatePolicy>always</updatePolicy></snapshots>
        </repository>
        <repository>
          <!-- Read only, and releases only: no snapshot of anyone's can come from there. -->
          <id>m2-cache</id>
          <url>file://$m2_cache</url>
          <snapshots><enabled>false</enabled></snapshots>
        </repository>
      </repositories>
      <pluginRepositories>
        <pluginRepository>
          <id>m2-cache</id>
          <url>file://$m2_cache</url>
          <snapshots><enabled>false</enabled></snapshots>
        </pluginRepository>
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles><activeProfile>consumer-test</activeProfile></activeProfiles>
</settings>
EOF

# 1. Deploy. The deploy goal is run directly after `package`: the deploy *phase* would run
# install first, into the local repository.
say "deploying Taipan $version into $tmp/repo"
t0=$SECONDS
(cd "$root" && mvn -B -q -s "$tmp/settings.xml" -DskipTests -pl taipan-bom,taipan-core,taipan-dspy -am \
    package org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy \
    -DaltDeploymentRepository="taipan-under-test::file://$tmp/repo") >"$tmp/deploy.log" 2>&1 \
    || { cat "$tmp/deploy.log" >&2; fail "the deploy of the Taipan artifacts failed (above)"; }
deploy_s=$(( SECONDS - t0 ))
for a in taipan-parent taipan-bom taipan-core taipan-dspy; do
    [ -f "$tmp/repo/dev/taipan/$a/$version/maven-metadata.xml" ] || fail "$a $version was not deployed"
done

# 2. A clean copy: the consumer's sources, nothing built, nowhere near the checkout.
mkdir "$tmp/consumer"
cp -R "$here/pom.xml" "$here/src" "$tmp/consumer/"
find "$tmp/consumer" -name __pycache__ -type d -prune -exec rm -rf {} +

# 3. Build and run it. Its Python environment is provisioned into $tmp/envs.
say "building and running the consumer in $tmp/consumer (provisions Python with DSPy: about a minute)"
t0=$SECONDS
rc=0
(cd "$tmp/consumer" && TAIPAN_CACHE_DIR="$tmp/envs" mvn -B -ntp -s "$tmp/settings.xml" \
    -Dtaipan.version="$version" test) >"$tmp/consumer.log" 2>&1 || rc=$?
run_s=$(( SECONDS - t0 ))

# 4. Check what it did.
check() {
    grep -qF -- "$1" "$tmp/consumer.log" || { cat "$tmp/consumer.log" >&2; fail "$2"; }
}
[ "$rc" = 0 ] || { cat "$tmp/consumer.log" >&2; fail "mvn test in the consumer exited $rc (its log is above)"; }
check "Tests run: 1, Failures: 0, Errors: 0, Skipped: 0" "the consumer's test did not run and pass"
check "creating environment $tmp/envs/" "no Python environment was provisioned into $tmp/envs"
check "greeter: Hello, Java! (Python in $tmp/envs/" "the consumer's own module did not answer from the provisioned environment"
check "dspy: " "the DSPy program printed no answer"
envs="$(find "$tmp/envs" -mindepth 1 -maxdepth 1 -type d -name 'py3.*' | wc -l)"
[ "$envs" = 1 ] || fail "expected one provisioned environment in $tmp/envs, found $envs"

grep -E '^(greeter|dspy): ' "$tmp/consumer.log" | sed 's/^/  /' >&2
grep -oE 'environment [^ ]+ ready in [0-9.]+ s' "$tmp/consumer.log" | head -n 1 | sed 's/^/  /' >&2 || true
echo "consumer test: passed in $(( SECONDS - started )) s (deploy ${deploy_s} s, consumer build and run ${run_s} s)"
