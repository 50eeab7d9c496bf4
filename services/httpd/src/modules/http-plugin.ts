// The plugin contract as httpd-ts instantiates it: @libs/plugins' flat Plugin (lighttpd's struct
// plugin, src/plugin.h) over httpd's request, connection and server types.
import type { Plugin, PluginFactory } from '@libs/plugins';
import type { HttpConnection } from '../connection/connection';
import type { Request } from '../connection/request';
import type { HttpServer } from '../server/http-server';

export type HttpPlugin = Plugin<Request, HttpConnection, HttpServer>;
export type HttpPluginFactory = PluginFactory<Request, HttpConnection, HttpServer>;
