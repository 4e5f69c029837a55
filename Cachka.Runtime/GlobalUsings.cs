global using Cachka.Internal;
