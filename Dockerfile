# One image for every service; docker-compose.yml picks the entry point per container.
FROM node:20.20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY . .
# Dev dependencies stay: tsx runs the TypeScript sources, prisma generates the client.
RUN npx -y pnpm@10.34.9 install --frozen-lockfile --prod=false \
 && npx -y pnpm@10.34.9 generate
USER node
