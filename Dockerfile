# One image for both roles: `npm start` (the bot, or the gateway with REDIS_URL) and `npm run worker`.
# For NVIDIA GPUs build with the CUDA build of onnxruntime-node (see README, "GPU"):
#   docker build --build-arg ORT_INSTALL=cuda12 -t imagine-bot .
FROM node:20-bookworm-slim
ARG ORT_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund --omit=dev --onnxruntime-node-install=${ORT_INSTALL} && npm cache clean --force
COPY . .
ENV NODE_ENV=production
# Database files and pictures live in /app/data (mount a volume there); PostgreSQL needs none.
VOLUME ["/app/data"]
CMD ["npm", "start"]
