# syntax=docker/dockerfile:1.7
#
# The rescanner image: `scb rescan` (this package, compiled) plus a pinned Trivy client that scans
# through the in-cluster Trivy server, a pinned cosign that verifies legacy signatures, and a
# pinned syft for `scb drift-agent` (the opt-in SBOM drift DaemonSet runs the same image). The
# release workflow of this repository builds, signs and pins it; src/monitoring/images.ts holds the digest the generated CronJob runs.
#
# Not built by this repository's tests (no Docker engine on the machines that run them). Every
# external input is pinned; confirm the pins before the first release:
#   NODE_IMAGE digest:  crane digest docker.io/library/node:24.18.0-bookworm-slim
#   TRIVY_SHA256:       the trivy_<version>_Linux-64bit.tar.gz line of the release's
#                       trivy_<version>_checksums.txt (verify that file's cosign signature first)
#   COSIGN_SHA256:      the cosign-linux-amd64 line of the release's cosign_checksums.txt
#   SYFT_SHA256:        the syft_<version>_linux_amd64.tar.gz line of syft_<version>_checksums.txt

# Node 24, the active LTS line (Node 20 reached end of life on 2026-04-30), pinned by digest. The
# digest is the one several independent public projects pin for this exact tag (read through a
# code index on 2026-12-05, not from the registry itself).
ARG NODE_IMAGE=docker.io/library/node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# Trivy client, same version as the Trivy server and the release workflow (TOOL_VERSIONS in
# src/workflow/pins.ts). Never 0.69.4, 0.69.5 or 0.69.6 (GHSA-69fq-xp46-6x23).
ARG TRIVY_VERSION=0.69.3
# SHA-256 of trivy_0.69.3_Linux-64bit.tar.gz as published in trivy_0.69.3_checksums.txt (the same
# value recorded, cosign-verified, by several public projects; read through a code index).
ARG TRIVY_SHA256=1816b632dfe529869c740c0913e36bd1629cb7688bd5634f4a858c1d57c88b75

# cosign, for customers on the ClusterPolicy engine: the rescanner verifies legacy .sig/.att with
# the cosign CLI (src/verification/cosign-legacy.ts; bundles are verified in process), so without
# it their coverage would be unknown. The verifier floor of the pin table (TOOL_VERSIONS.cosign in
# src/workflow/pins.ts: v3.0.6 fixed GHSA-w6c6-c85g-mmv6); ~135 MB.
ARG COSIGN_VERSION=v3.0.6
# SHA-256 of cosign-linux-amd64 v3.0.6 (135,178,161 bytes), as published in cosign_checksums.txt
# (the same value pinned by several independent public projects; read through a code index).
ARG COSIGN_SHA256=c956e5dfcac53d52bcf058360d579472f0c1d2d9b69f55209e256fe7783f4c74

# syft, the version the release workflow builds the attested SBOM with (TOOL_VERSIONS.syft), so the
# drift agent's inventory and the SBOM come from the same tool.
ARG SYFT_VERSION=1.42.3
# SHA-256 of syft_1.42.3_linux_amd64.tar.gz as published in syft_1.42.3_checksums.txt (the same
# value pinned by several independent public projects; read through a code index on 2026-12-05).
ARG SYFT_SHA256=0d6be741479eddd2c8644a288990c04f3df0d609bbc1599a005532a9dff63509

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dependency install scripts stay off (npm 11 default); the build needs none of them.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY imports ./imports
COPY bin ./bin
COPY scripts ./scripts
COPY test ./test
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE} AS trivy
ARG TRIVY_VERSION
ARG TRIVY_SHA256
RUN case "${TRIVY_VERSION}" in 0.69.4|0.69.5|0.69.6) echo "Trivy ${TRIVY_VERSION} is a known-compromised release" >&2; exit 1;; esac
ADD --checksum=sha256:${TRIVY_SHA256} \
    https://github.com/aquasecurity/trivy/releases/download/v${TRIVY_VERSION}/trivy_${TRIVY_VERSION}_Linux-64bit.tar.gz \
    /tmp/trivy.tar.gz
# ADD already checked the digest; checking again here keeps the guarantee if ADD is ever replaced.
RUN echo "${TRIVY_SHA256}  /tmp/trivy.tar.gz" | sha256sum -c - \
 && tar -xzf /tmp/trivy.tar.gz -C /usr/local/bin trivy \
 && /usr/local/bin/trivy --version | grep -q "Version: ${TRIVY_VERSION}$"

FROM ${NODE_IMAGE} AS cosign
ARG COSIGN_VERSION
ARG COSIGN_SHA256
ADD --checksum=sha256:${COSIGN_SHA256} \
    https://github.com/sigstore/cosign/releases/download/${COSIGN_VERSION}/cosign-linux-amd64 \
    /usr/local/bin/cosign
RUN echo "${COSIGN_SHA256}  /usr/local/bin/cosign" | sha256sum -c - \
 && chmod 0755 /usr/local/bin/cosign \
 && /usr/local/bin/cosign version 2>&1 | grep -q "GitVersion: *${COSIGN_VERSION}$"

FROM ${NODE_IMAGE} AS syft
ARG SYFT_VERSION
ARG SYFT_SHA256
ADD --checksum=sha256:${SYFT_SHA256} \
    https://github.com/anchore/syft/releases/download/v${SYFT_VERSION}/syft_${SYFT_VERSION}_linux_amd64.tar.gz \
    /tmp/syft.tar.gz
RUN echo "${SYFT_SHA256}  /tmp/syft.tar.gz" | sha256sum -c - \
 && tar -xzf /tmp/syft.tar.gz -C /usr/local/bin syft \
 && /usr/local/bin/syft version | grep -q "Version: *${SYFT_VERSION}$"

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /src/lib/src ./lib/src
COPY --from=build /src/lib/imports ./lib/imports
COPY bin ./bin
COPY --from=trivy /usr/local/bin/trivy /usr/local/bin/trivy
COPY --from=cosign /usr/local/bin/cosign /usr/local/bin/cosign
COPY --from=syft /usr/local/bin/syft /usr/local/bin/syft
# The CronJob runs as 65532 with a read-only root filesystem and an emptyDir on /tmp (HOME: cosign
# keeps its TUF cache under $HOME/.sigstore, sigstore-js under $HOME/.sigstore/js). The drift
# agent's DaemonSet overrides the user (0, with SYS_PTRACE and DAC_READ_SEARCH only).
ENV HOME=/tmp TRIVY_CACHE_DIR=/tmp/trivy
USER 65532:65532
ENTRYPOINT ["node", "bin/scb.js"]
