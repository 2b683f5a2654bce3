// The sandbox page: renders the channel from the server's WebSocket and sends back what a member
// does (typed slash commands with attached files, button clicks, modals submitted, reactions).
// Plain browser JavaScript, no build step.

const REACTION_CHOICES = ['🔍', '🔀', '🔁', '👍', '❤️', '😂'];
const OPTION_TYPES = { 1: 'subcommand', 2: 'group', 3: 'text', 4: 'integer', 5: 'true/false', 6: 'user', 7: 'channel', 8: 'role', 9: 'mentionable', 10: 'number', 11: 'attachment' };
const FLAG_EPHEMERAL = 64;
const FLAG_LOADING = 128;

const state = { bot: null, personas: [], servers: [], messages: new Map(), personaId: null, serverId: null, socket: null, attached: null };
const $ = (selector) => document.querySelector(selector);
const list = $('.messages');
const input = $('.composer input[name="message"]');
const suggestionsBox = $('.suggestions');
const errorBox = $('.client-error');
const personaSelect = $('#persona');

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// --- Connection ----------------------------------------------------------------------------

function connect() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events`);
  state.socket = socket;
  socket.addEventListener('open', () => setStatus('connected'));
  socket.addEventListener('close', () => setStatus('disconnected: is npm run sandbox still running?'));
  socket.addEventListener('message', (event) => receive(JSON.parse(event.data)));
}

function send(action) {
  if (state.socket?.readyState !== WebSocket.OPEN) return showError('Not connected to the sandbox.');
  state.socket.send(JSON.stringify(action));
}

function receive(data) {
  if (data.type === 'hello') {
    state.bot = data.bot;
    state.personas = data.personas;
    state.servers = data.servers;
    state.messages = new Map(data.messages.map((m) => [m.id, m]));
    state.personaId = state.personas.some((p) => p.id === localStorage.getItem('persona')) ? localStorage.getItem('persona') : state.personas[0].id;
    pickServerFromHash();
    renderChrome();
    renderMessages();
  } else if (data.type === 'message') {
    state.messages.set(data.message.id, data.message);
    renderMessage(data.message);
  } else if (data.type === 'modal') {
    showModal(data.modal);
  } else if (data.type === 'error') {
    showError(data.text);
  }
}

function setStatus(text) {
  $('.status').textContent = text;
}

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = false;
}

// --- Servers and personas ------------------------------------------------------------------

function pickServerFromHash() {
  const wanted = new URLSearchParams(location.hash.slice(1)).get('server');
  state.serverId = state.servers.some((s) => s.id === wanted) ? wanted : state.servers[0].id;
}

const currentServer = () => state.servers.find((s) => s.id === state.serverId);
const persona = (id) => state.personas.find((p) => p.id === id);

function renderChrome() {
  const server = currentServer();
  document.title = `#${server.channelName} | ${server.name} · imagine-bot sandbox`;
  $('.servers').replaceChildren(
    ...state.servers.map((s) =>
      el('a', { href: `#server=${s.id}`, class: s.id === server.id ? 'current' : '', 'aria-label': s.name, title: s.name }, initials(s.name)),
    ),
  );
  $('.server-name').textContent = server.name;
  $('.channel-name').textContent = server.channelName;
  personaSelect.replaceChildren(
    ...state.personas.map((p) =>
      el('option', { value: p.id, selected: p.id === state.personaId }, `${p.name} (${p.role === 'moderator' ? 'moderator, Manage Server' : 'member'})`),
    ),
  );
}

const initials = (name) => name.split(/\s+/).map((w) => w[0]).join('').slice(0, 2).toUpperCase();

personaSelect.addEventListener('change', () => {
  state.personaId = personaSelect.value;
  localStorage.setItem('persona', state.personaId);
  renderMessages();
});

window.addEventListener('hashchange', () => {
  pickServerFromHash();
  renderChrome();
  renderMessages();
});

// --- Messages ------------------------------------------------------------------------------

/** Ephemeral replies reach only the member whose command or click produced them, as in Discord. */
function visible(message) {
  if (message.deleted || message.channelId !== currentServer().channelId) return false;
  if (message.flags & FLAG_EPHEMERAL) return message.interaction?.userId === state.personaId;
  return true;
}

function renderMessages() {
  const shown = [...state.messages.values()].filter(visible).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  list.replaceChildren(...shown.map(messageElement));
  list.scrollTop = list.scrollHeight;
}

function renderMessage(message) {
  const existing = list.querySelector(`[data-id="${message.id}"]`);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  if (!visible(message)) return existing?.remove();
  const node = messageElement(message);
  if (existing) existing.replaceWith(node);
  else list.append(node);
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function messageElement(message) {
  const ephemeral = (message.flags & FLAG_EPHEMERAL) !== 0;
  const loading = (message.flags & FLAG_LOADING) !== 0;
  const author = message.author;
  return el(
    'li',
    { class: `message${ephemeral ? ' ephemeral' : ''}`, 'data-id': message.id },
    message.interaction &&
      el('div', { class: 'reply-to' }, '↳ ', el('b', {}, message.interaction.userName), message.interaction.command ? ` used /${message.interaction.command}` : ' used a button'),
    el('div', { class: `avatar${author.bot ? '' : ' user'}`, 'aria-hidden': 'true' }, author.name.slice(0, 1).toUpperCase()),
    el(
      'div',
      { class: 'body' },
      el('div', { class: 'header' }, el('span', { class: 'author' }, author.name), author.bot && el('span', { class: 'app-tag' }, 'APP'),
        el('time', { datetime: new Date(message.createdAt).toISOString() }, new Date(message.createdAt).toLocaleTimeString())),
      loading ? el('div', { class: 'thinking' }, `${author.name} is thinking…`) : message.content && el('div', { class: 'content' }, ...formatText(message.content, message.mentions)),
      message.embeds.map(embedElement),
      message.attachments.length > 0 && el('div', { class: 'attachments' }, message.attachments.map(attachmentElement)),
      message.components.map((row) => rowElement(message, row)),
      !ephemeral && !loading && reactionsElement(message),
      ephemeral && el('div', { class: 'ephemeral-note' }, '👁 Only you can see this'),
    ),
  );
}

/** Discord markdown, the parts the bot uses: **bold**, *italic*, `code`, mentions and timestamps. Never HTML. */
function formatText(text, mentions = {}) {
  const parts = [];
  const pattern = /\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|`([^`]+)`|<@!?(\d+)>|<t:(\d+)(?::\w)?>|<a?:(\w+):\d+>/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    parts.push(text.slice(last, m.index));
    if (m[1] !== undefined) parts.push(el('strong', {}, ...formatText(m[1], mentions)));
    else if (m[2] !== undefined) parts.push(el('em', {}, m[2]));
    else if (m[3] !== undefined) parts.push(el('code', {}, m[3]));
    else if (m[4] !== undefined) parts.push(el('span', { class: 'mention' }, `@${mentions[m[4]] ?? m[4]}`));
    else if (m[5] !== undefined) parts.push(el('time', {}, new Date(Number(m[5]) * 1000).toLocaleString()));
    else parts.push(`:${m[6]}:`);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p !== '');
}

function embedElement(embed) {
  return el(
    'div',
    { class: 'embed', style: embed.color ? `border-color: #${embed.color.toString(16).padStart(6, '0')}` : undefined },
    embed.title && el('div', { class: 'title' }, embed.title),
    embed.description && el('div', { class: 'content' }, ...formatText(embed.description)),
    (embed.fields ?? []).map((f) => [el('div', { class: 'field-name' }, f.name), el('div', { class: 'content' }, ...formatText(f.value))]),
    embed.footer?.text && el('div', { class: 'ephemeral-note' }, embed.footer.text),
  );
}

/** Opens the uploaded file itself, so what a member saves is the PNG the bot sent (with its parameters). */
function attachmentElement(attachment) {
  if (!attachment.contentType.startsWith('image/')) return el('a', { href: attachment.url, download: attachment.filename }, attachment.filename);
  return el(
    'figure',
    { style: 'margin: 0' },
    el('a', { href: attachment.url, target: '_blank', rel: 'noopener', title: 'Open full size', 'aria-label': `Open ${attachment.filename} full size` }, el('img', { src: attachment.url, alt: attachment.filename })),
    el('a', { class: 'download', href: attachment.url, download: attachment.filename }, `Download ${attachment.filename}`),
  );
}

function rowElement(message, row) {
  if (row.type !== 1) return null;
  return el(
    'div',
    { class: 'row' },
    row.components.map((component) => {
      if (component.type !== 2) return null;
      const label = [component.emoji?.name, component.label].filter(Boolean).join(' ');
      if (component.style === 5) return el('a', { href: component.url, target: '_blank', rel: 'noopener' }, label);
      return el(
        'button',
        {
          type: 'button',
          class: `style-${component.style}`,
          disabled: component.disabled === true,
          onclick: () => send({ action: 'click', messageId: message.id, customId: component.custom_id, userId: state.personaId }),
        },
        label,
      );
    }),
  );
}

function reactionsElement(message) {
  const box = el('div', { class: 'reactions' });
  for (const { emoji, userIds } of message.reactions) {
    const mine = userIds.includes(state.personaId);
    box.append(
      el(
        'button',
        {
          type: 'button',
          class: 'reaction',
          'aria-pressed': String(mine),
          'aria-label': `${emoji} ${userIds.length}`,
          onclick: () => send({ action: mine ? 'unreact' : 'react', messageId: message.id, emoji, userId: state.personaId }),
        },
        `${emoji} ${userIds.length}`,
      ),
    );
  }
  const picker = el(
    'div',
    { class: 'picker', hidden: true, role: 'menu' },
    REACTION_CHOICES.map((emoji) =>
      el('button', { type: 'button', role: 'menuitem', 'aria-label': `React with ${emoji}`, onclick: () => send({ action: 'react', messageId: message.id, emoji, userId: state.personaId }) }, emoji),
    ),
  );
  box.append(el('button', { type: 'button', class: 'add-reaction', 'aria-label': 'Add reaction', onclick: () => (picker.hidden = !picker.hidden) }, '☺+'), picker);
  return box;
}

// --- Typing commands -----------------------------------------------------------------------

let suggestions = [];
let selected = -1;

const commandsHere = () => currentServer()?.commands ?? [];
const isNested = (o) => o.type === 1 || o.type === 2;

/** What may come next in the typed text, from the definitions the bot registered. */
function suggest(text) {
  if (!text.startsWith('/')) return [];
  const words = text.slice(1).split(' ');
  if (words.length === 1) {
    return commandsHere()
      .filter((c) => c.name.startsWith(words[0]))
      .map((c) => ({ label: `/${c.name}`, detail: c.description, replace: text, with: `/${c.name} ` }));
  }
  const command = commandsHere().find((c) => c.name === words[0]);
  if (!command) return [];
  let options = command.options ?? [];
  let consumed = `/${command.name} `;
  let rest = text.slice(consumed.length);
  while (options.some(isNested)) {
    const word = rest.split(' ')[0];
    const chosen = options.find((o) => isNested(o) && o.name === word);
    if (!chosen || !rest.includes(' ')) {
      return options.filter((o) => isNested(o) && o.name.startsWith(word)).map((o) => ({ label: o.name, detail: o.description, replace: text, with: `${consumed}${o.name} ` }));
    }
    consumed += `${word} `;
    rest = rest.slice(word.length + 1);
    options = chosen.options ?? [];
  }
  const typing = /(?:^|\s)([\w-]+):\s*([^:]*)$/.exec(rest);
  const current = typing && options.find((o) => o.name === typing[1]);
  if (current && !/\s$/.test(text)) {
    const value = typing[2];
    const base = text.slice(0, text.length - value.length);
    if (current.choices) return current.choices.filter((c) => String(c.value).startsWith(value)).map((c) => ({ label: String(c.value), detail: c.name, replace: text, with: `${base}${c.value} ` }));
    if (current.type === 6) {
      return state.personas.filter((p) => `@${p.name}`.startsWith(value) || p.name.startsWith(value)).map((p) => ({ label: `@${p.name}`, detail: p.role, replace: text, with: `${base}@${p.name} ` }));
    }
    return [{ label: `${current.name}:`, detail: `${OPTION_TYPES[current.type] ?? ''}${current.required ? ', required' : ''}: ${current.description ?? ''}`, replace: text, with: text, info: true }];
  }
  const lastWord = /(\S*)$/.exec(text)[1];
  const used = new Set([...rest.matchAll(/(?:^|\s)([\w-]+):/g)].map((m) => m[1]));
  return options
    .filter((o) => !used.has(o.name) && o.name.startsWith(lastWord))
    .map((o) => ({
      label: `${o.name}:`,
      detail: `${OPTION_TYPES[o.type] ?? ''}${o.required ? ', required' : ''}: ${o.description ?? ''}`,
      replace: text,
      with: `${text.slice(0, text.length - lastWord.length)}${o.name}: `,
    }));
}

function renderSuggestions() {
  suggestions = suggest(input.value);
  selected = Math.min(selected, suggestions.length - 1);
  suggestionsBox.hidden = suggestions.length === 0;
  suggestionsBox.replaceChildren(
    ...suggestions.map((s, i) =>
      el(
        'li',
        { role: 'option', 'aria-selected': String(i === selected), onmousedown: (event) => (event.preventDefault(), accept(i)) },
        el('span', { class: 'label' }, s.label),
        el('span', { class: 'detail' }, s.detail ?? ''),
      ),
    ),
  );
}

function accept(index) {
  const choice = suggestions[index];
  if (!choice || choice.info) return false;
  input.value = choice.with;
  selected = -1;
  renderSuggestions();
  input.focus();
  return true;
}

input.addEventListener('input', () => {
  errorBox.hidden = true;
  selected = -1;
  renderSuggestions();
});

input.addEventListener('keydown', (event) => {
  if (suggestionsBox.hidden) return;
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    selected = (selected + (event.key === 'ArrowDown' ? 1 : -1) + suggestions.length) % suggestions.length;
    renderSuggestions();
  } else if (event.key === 'Tab' || (event.key === 'Enter' && selected >= 0)) {
    if (accept(Math.max(selected, 0))) event.preventDefault();
  } else if (event.key === 'Escape') {
    suggestionsBox.hidden = true;
  }
});

$('.composer').addEventListener('submit', (event) => {
  event.preventDefault();
  let text = input.value.trim();
  if (!text) return;
  if (text.startsWith('/')) {
    const files = [];
    const option = attachmentOptionOf(text);
    if (state.attached && option) {
      // As in Discord, the file fills the command's file option; the text names it.
      if (!new RegExp(`(^|\\s)${option}:`).test(text)) text += ` ${option}: ${state.attached.filename}`;
      files.push({ option, ...state.attached });
      setAttached(null);
    }
    send({ action: 'command', guildId: state.serverId, userId: state.personaId, text, files });
  } else {
    send({ action: 'say', guildId: state.serverId, userId: state.personaId, text });
  }
  input.value = '';
  renderSuggestions();
});

// --- Attaching a file ------------------------------------------------------------------------

/** The first attachment option (type 11) of the command typed, if it has one. */
function attachmentOptionOf(text) {
  const command = commandsHere().find((c) => c.name === text.slice(1).split(' ')[0]);
  return (command?.options ?? []).find((o) => o.type === 11)?.name;
}

function setAttached(file) {
  state.attached = file;
  $('.attached').hidden = !file;
  $('.attached-name').textContent = file ? `📎 ${file.filename} (${Math.ceil(file.size / 1024)} KiB), for the command's file option` : '';
  if (!file) $('.attach input').value = '';
}

$('.attach input').addEventListener('change', (event) => {
  const file = event.target.files[0];
  if (!file) return setAttached(null);
  const reader = new FileReader();
  reader.addEventListener('load', () => {
    const base64 = String(reader.result).replace(/^data:[^,]*,/, '');
    setAttached({ filename: file.name, contentType: file.type || undefined, size: file.size, base64 });
  });
  reader.readAsDataURL(file);
});

$('.unattach').addEventListener('click', () => setAttached(null));

// --- Modals --------------------------------------------------------------------------------

const modal = $('.modal');

/** A modal the bot answered this page's click with: its title and text inputs, prefilled, as Discord shows it. */
function showModal(view) {
  $('#modal-title').textContent = view.title;
  $('.modal-inputs').replaceChildren(
    ...view.inputs.map((i) => {
      const id = `modal-input-${i.customId}`;
      const props = { id, name: i.customId, required: i.required, maxlength: i.maxLength };
      const field = i.style === 2 ? el('textarea', props) : el('input', { ...props, type: 'text' });
      field.value = i.value;
      return [el('label', { for: id }, i.label), field];
    }).flat(),
  );
  modal.dataset.interactionId = view.interactionId;
  modal.showModal();
}

$('.modal-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const values = Object.fromEntries([...$('.modal-inputs').querySelectorAll('[name]')].map((f) => [f.name, f.value]));
  send({ action: 'submit-modal', interactionId: modal.dataset.interactionId, values });
  modal.close();
});

$('.modal-cancel').addEventListener('click', () => modal.close());

connect();
