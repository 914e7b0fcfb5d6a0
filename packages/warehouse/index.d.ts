/** The path of the prebuilt sluice-warehouse executable for this platform; throws an error naming the platform when it is not installed. */
export declare function binaryPath(): string;
/** The napi-rs platform suffix of this process, e.g. `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
export declare function platformSuffix(): string;
