# One image for every service; docker-compose.yml picks the entry point per container.
# The image's Node is the version package.json pins (devDependencies.node): the services are
# started with `node` directly here and refuse another major version.
FROM node:24.21.0-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY . .
# Dev dependencies stay: tsx runs the TypeScript sources, prisma generates the client.
RUN npx -y pnpm@10.34.9 install --frozen-lockfile --prod=false \
 && npx -y pnpm@10.34.9 generate
USER node
