/** Typed slash commands become the command, subcommand and typed options the bot registered. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { commandDefinitions } from '../../src/discord/command-registry.ts';
import { parseCommandText, type CommandDefinition } from '../../src/sandbox/command-text.ts';
import { EMBEDDED_MODEL_DIR } from '../support/model.ts';

const commands = commandDefinitions(loadConfig({ MODEL_DIR: EMBEDDED_MODEL_DIR })) as unknown as CommandDefinition[];
const parse = (text: string) => parseCommandText(text, commands);

describe('typed slash commands', () => {
  it('gives the text after the command to its first option, flags and all', () => {
    expect(parse('/imagine a red circle --ar 3:2')).toEqual({ name: 'imagine', options: { prompt: 'a red circle --ar 3:2' } });
  });

  it('reads name: value options, typed as the bot declared them', () => {
    expect(parse('/imagine a cat seed: 42 guidance:7.5 sampler: ddim')).toEqual({
      name: 'imagine',
      options: { prompt: 'a cat', seed: 42, guidance: 7.5, sampler: 'ddim' },
    });
  });

  it('takes subcommands and groups by name, and users as @mentions to resolve', () => {
    expect(parse('/mod pause')).toEqual({ name: 'mod', subcommand: 'pause', options: {} });
    expect(parse('/mod banned-words add word: dragon')).toEqual({ name: 'mod', subcommandGroup: 'banned-words', subcommand: 'add', options: { word: 'dragon' } });
    expect(parse('/quota grant user:@bob credits:5 reason: a gift')).toEqual({
      name: 'quota',
      subcommand: 'grant',
      options: { user: { mention: 'bob', type: 6 }, credits: 5, reason: 'a gift' },
    });
  });

  it('names the file for an attachment option (the file itself travels beside the text)', () => {
    expect(parse('/diffuse image: cat.png')).toEqual({ name: 'diffuse', options: { image: { attachment: 'cat.png' } } });
  });

  it('refuses what the Discord client would not send, naming the value and what is allowed', () => {
    expect(() => parse('imagine a cat')).toThrow('Commands start with /, e.g. /imagine a red circle');
    expect(() => parse('/paint a cat')).toThrow(/^Unknown command \/paint; the bot registered \/imagine \/cancel/);
    expect(() => parse('/mod')).toThrow('/mod needs one of: cancel, pause, resume, banned-words, role, limits, workers, audit, model');
    expect(() => parse('/mod stop')).toThrow('/mod needs one of: cancel, pause, resume, banned-words, role, limits, workers, audit, model (got "stop")');
    expect(() => parse('/imagine a cat seed: soon')).toThrow('/imagine seed must be a whole number, got "soon"');
    expect(() => parse('/imagine a cat seed: 1 seed: 2')).toThrow('/imagine: seed is given twice');
    expect(() => parse('/queue now')).toThrow('/queue takes no options, got "now"');
  });
});
