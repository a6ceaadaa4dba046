/** The executables `npm run package` builds: Linux with glibc (Raspberry Pi OS, Debian, Ubuntu). */
export type Arch = 'x64' | 'arm64';

export const TARGETS: readonly Arch[] = ['x64', 'arm64'];

/** The prebuilt addons inside the argon2 and classic-level npm packages, per target. */
export const ADDONS: Record<string, Record<Arch, string>> = {
  argon2: {
    x64: 'node_modules/argon2/prebuilds/linux-x64/argon2.glibc.node',
    arm64: 'node_modules/argon2/prebuilds/linux-arm64/argon2.armv8.glibc.node',
  },
  'classic-level': {
    x64: 'node_modules/classic-level/prebuilds/linux-x64/classic-level.node',
    arm64: 'node_modules/classic-level/prebuilds/linux-arm64/classic-level.armv8.node',
  },
};

export const executableName = (arch: Arch): string => `mailfold-linux-${arch}`;
