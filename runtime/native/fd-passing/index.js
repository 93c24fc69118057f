// The compiled addon (node-gyp builds it when the package is installed).
"use strict";
module.exports = require("./build/Release/fd_passing.node");
